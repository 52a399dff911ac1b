package ebpf

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestParseProcCgroup(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"12:pids:/user.slice\n0::/user.slice/session-1.scope\n", "/user.slice/session-1.scope", false},
		{"0::/\n", "/", false},
		{"0::/mycontainer\n", "/mycontainer", false},
		{"1:name=systemd:/x\n", "", true},
		{"0::relative\n", "", true},
		{"0::/a/../b\n", "", true},
		{"", "", true},
	}
	for _, tt := range tests {
		got, err := ParseProcCgroup([]byte(tt.in))
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseProcCgroup(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseMountinfoCgroup2(t *testing.T) {
	hybrid := `25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
32 31 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
33 31 0:28 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
`
	if got, err := ParseMountinfoCgroup2([]byte(hybrid)); err != nil || got != "/sys/fs/cgroup/unified" {
		t.Errorf("hybrid: %q, %v", got, err)
	}
	unified := `29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw
`
	if got, err := ParseMountinfoCgroup2([]byte(unified)); err != nil || got != "/sys/fs/cgroup" {
		t.Errorf("unified: %q, %v", got, err)
	}
	escaped := `29 23 0:26 / /mnt/my\040cgroups rw - cgroup2 none rw
`
	if got, err := ParseMountinfoCgroup2([]byte(escaped)); err != nil || got != "/mnt/my cgroups" {
		t.Errorf("escaped: %q, %v", got, err)
	}
	if got, err := ParseMountinfoCgroup2([]byte(hybrid[:strings.Index(hybrid, "32 ")])); err == nil {
		t.Errorf("no cgroup2 mount: got %q", got)
	}
}

// FuzzParseProcCgroup checks that a parsed path is absolute and clean.
func FuzzParseProcCgroup(f *testing.F) {
	f.Add([]byte("0::/user.slice/session-1.scope\n"))
	f.Add([]byte("12:pids:/x\n0::/\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProcCgroup(data)
		if err != nil {
			return
		}
		if !filepath.IsAbs(p) || filepath.Clean(p) != p || strings.Contains(p, "..") && strings.Contains(p, "/../") {
			t.Errorf("path %q is not absolute and clean", p)
		}
	})
}

// FuzzParseMountinfoCgroup2 checks that a mount point found is absolute and clean.
func FuzzParseMountinfoCgroup2(f *testing.F) {
	f.Add([]byte("32 31 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw\n"))
	f.Add([]byte("29 23 0:26 / /mnt/a\\040b rw - cgroup2 none rw\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseMountinfoCgroup2(data)
		if err != nil {
			return
		}
		if !filepath.IsAbs(p) || filepath.Clean(p) != p || strings.ContainsRune(p, 0) {
			t.Errorf("mount point %q is not absolute and clean", p)
		}
	})
}

func TestRuntimeErrorMessage(t *testing.T) {
	for in, want := range map[string]string{
		`time="2026-12-06T02:44:40Z" level=error msg="container does not exist"` + "\n":        "container does not exist",
		`time="2026-12-06T02:46:06Z" level=error msg="lstat /run/runc/x: permission denied"`:   "lstat /run/runc/x: permission denied",
		`time="t" level=error msg="say \"hi\"\n"` + "\n" + `time="t" level=warning msg=second`: `say "hi"; time="t" level=warning msg=second`,
		"error opening file `/run/crun/x/status`: No such file or directory\n":                 "error opening file `/run/crun/x/status`: No such file or directory",
		"":                                 "",
		"a\n\n  b  c \n":                   "a; b c",
		`time="t" level=error msg="broken`: `time="t" level=error msg="broken`,
	} {
		if got := RuntimeErrorMessage([]byte(in)); got != want {
			t.Errorf("RuntimeErrorMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRuntimeErrorMessage(f *testing.F) {
	f.Add([]byte(`time="2026-12-06T02:44:40Z" level=error msg="container does not exist"` + "\n"))
	f.Add([]byte("error opening file `/run/crun/x/status`: No such file or directory\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := RuntimeErrorMessage(data)
		if strings.ContainsAny(got, "\n\r") {
			t.Errorf("message spans lines: %q", got)
		}
	})
}
