package apparmor

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeRoot makes a root with /etc/apparmor.d and, if enabled, the files of a kernel with
// AppArmor; commands are recorded instead of run.
func fakeRoot(t *testing.T, enabled bool) (*Host, *[][]string) {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, ProfileDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if enabled {
		for f, data := range map[string]string{
			EnabledFile:  "Y\n",
			ProfilesFile: "profgen-app (complain)\n/usr/bin/man (enforce)\nsnap.x//hat (enforce)\n",
		} {
			p := filepath.Join(root, f)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var ran [][]string
	h := &Host{Root: root, Parser: "apparmor_parser", Run: func(args []string, stdin []byte) error {
		if stdin != nil {
			args = append(args, "<"+string(stdin))
		}
		ran = append(ran, args)
		return nil
	}}
	return h, &ran
}

func writeProfile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o640); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHostCommands(t *testing.T) {
	h, ran := fakeRoot(t, true)
	prof := writeProfile(t, filepath.Join(h.Root, ProfileDir), "profgen-app", "profile profgen-app {\n}\n")
	link := filepath.Join(h.Root, DisableDir, "profgen-app")
	steps := []struct {
		name string
		do   func() error
		want [][]string
	}{
		{"load", func() error { return h.Load(prof) }, [][]string{{"apparmor_parser", "-r", "-W", "-L", DefaultCache, prof}}},
		{"unload file", func() error { return h.Unload(prof) }, [][]string{{"apparmor_parser", "-R", prof}}},
		{"unload name", func() error { return h.Unload("profgen-app") }, [][]string{{"apparmor_parser", "-R", "<profile profgen-app {}\n"}}},
		{"disable", func() error { return h.Disable(prof) }, [][]string{{"apparmor_parser", "-R", prof}}},
		{"enable", func() error { return h.Enable(prof) }, [][]string{{"apparmor_parser", "-r", "-W", "-L", DefaultCache, prof}}},
		{"complain", func() error { return h.SetMode(prof, ModeComplain, true) }, [][]string{{"apparmor_parser", "-r", "-W", "-L", DefaultCache, prof}}},
	}
	for _, s := range steps {
		*ran = nil
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !reflect.DeepEqual(*ran, s.want) {
			t.Errorf("%s ran %q, want %q", s.name, *ran, s.want)
		}
		_, err := os.Lstat(link)
		if disabled := err == nil; disabled != (s.name == "disable") {
			t.Errorf("after %s: disable link exists = %v", s.name, disabled)
		}
		if s.name == "disable" {
			// The link is made for the root it is in: it points at /etc/apparmor.d/...
			if target, _ := os.Readlink(link); target != "/etc/apparmor.d/profgen-app" {
				t.Errorf("disable link points at %q, want /etc/apparmor.d/profgen-app", target)
			}
		}
	}
	h.SkipCache = true
	if got := h.LoadArgs("f"); !reflect.DeepEqual(got, []string{"apparmor_parser", "-r", "-K", "f"}) {
		t.Errorf("LoadArgs with SkipCache = %q", got)
	}
	if err := h.Unload("../etc/passwd"); !errors.Is(err, ErrBadName) {
		t.Errorf("Unload of a bad name = %v, want ErrBadName", err)
	}
}

func TestHostWithoutAppArmor(t *testing.T) {
	h, ran := fakeRoot(t, false)
	prof := writeProfile(t, t.TempDir(), "p", "profile p {\n}\n")
	for name, do := range map[string]func() error{
		"load":     func() error { return h.Load(prof) },
		"unload":   func() error { return h.Unload(prof) },
		"disable":  func() error { return h.Disable(prof) },
		"enable":   func() error { return h.Enable(prof) },
		"complain": func() error { return h.SetMode(prof, ModeComplain, true) },
		"status":   func() error { _, err := h.Status(); return err },
	} {
		err := do()
		if !errors.Is(err, ErrAppArmorDisabled) {
			t.Errorf("%s without AppArmor: %v, want ErrAppArmorDisabled", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error is not one line: %q", name, err)
		}
	}
	if len(*ran) != 0 {
		t.Errorf("commands ran without AppArmor: %q", *ran)
	}
	if b, _ := os.ReadFile(prof); string(b) != "profile p {\n}\n" {
		t.Errorf("profile changed without AppArmor: %q", b)
	}
}

func TestHostDryRun(t *testing.T) {
	h, ran := fakeRoot(t, false)
	var out bytes.Buffer
	h.DryRun, h.Out = true, &out
	prof := writeProfile(t, t.TempDir(), "my app", "profile p {\n}\n")
	if err := h.Disable(prof); err != nil {
		t.Fatal(err)
	}
	if err := h.Unload("p"); err != nil {
		t.Fatal(err)
	}
	if err := h.SetMode(prof, ModeComplain, true); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(h.Root, DisableDir, "my app")
	want := "ln -sf '" + prof + "' '" + link + "'\n" +
		"apparmor_parser -R '" + prof + "'\n" +
		"echo 'profile p {}' | apparmor_parser -R\n" +
		"# set the flags of " + prof + " to complain mode\n" +
		"apparmor_parser -r -W -L /var/cache/apparmor '" + prof + "'\n"
	if out.String() != want {
		t.Errorf("dry run printed\n%s\nwant\n%s", out.String(), want)
	}
	if len(*ran) != 0 {
		t.Errorf("dry run ran %q", *ran)
	}
	if _, err := os.Lstat(link); err == nil {
		t.Error("dry run made the disable link")
	}
	if b, _ := os.ReadFile(prof); string(b) != "profile p {\n}\n" {
		t.Errorf("dry run changed the profile: %q", b)
	}
}

func TestSetProfileMode(t *testing.T) {
	tests := []struct{ in, mode, want string }{
		{"abi <abi/3.0>,\ninclude <tunables/global>\n\nprofile app {\n  /x r,\n}\n", ModeComplain,
			"abi <abi/3.0>,\ninclude <tunables/global>\n\nprofile app flags=(complain) {\n  /x r,\n}\n"},
		{"profile app /usr/bin/app flags=(attach_disconnected, complain, mediate_deleted) {\n}\n", ModeEnforce,
			"profile app /usr/bin/app flags=(attach_disconnected, mediate_deleted) {\n}\n"},
		{"profile app flags=(complain) {\n}\n", ModeEnforce, "profile app {\n}\n"},
		{"# comment {\n/usr/bin/foo {  # attach\n}\n", ModeComplain, "# comment {\n/usr/bin/foo flags=(complain) { # attach\n}\n"},
		{"profile \"a b\" flags=(mediate_deleted) {\n}\n", ModeComplain, "profile \"a b\" flags=(complain, mediate_deleted) {\n}\n"},
		{"profile app flags=(complain) {\n}\n", ModeComplain, "profile app flags=(complain) {\n}\n"},
	}
	for _, tt := range tests {
		got, err := SetProfileMode([]byte(tt.in), tt.mode)
		if err != nil {
			t.Errorf("SetProfileMode(%q, %s): %v", tt.in, tt.mode, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("SetProfileMode(%q, %s) =\n%q\nwant\n%q", tt.in, tt.mode, got, tt.want)
		}
	}
	for _, bad := range []string{"", "/x r,\n", "# only a comment\n"} {
		if _, err := SetProfileMode([]byte(bad), ModeComplain); err == nil {
			t.Errorf("SetProfileMode(%q) succeeded", bad)
		}
	}
}

func TestSetModeOnRoot(t *testing.T) {
	h, _ := fakeRoot(t, false)
	prof := writeProfile(t, filepath.Join(h.Root, ProfileDir), "app", "profile app {\n  /x r,\n}\n")
	if err := h.SetMode(prof, ModeComplain, false); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(prof)
	if string(b) != "profile app flags=(complain) {\n  /x r,\n}\n" {
		t.Fatalf("complain mode: %q", b)
	}
	if st, _ := os.Stat(prof); st.Mode().Perm() != 0o640 {
		t.Errorf("permissions changed to %v", st.Mode().Perm())
	}
	if err := h.SetMode(prof, ModeEnforce, false); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(prof); string(b) != "profile app {\n  /x r,\n}\n" {
		t.Fatalf("enforce mode: %q", b)
	}
}

func TestStatus(t *testing.T) {
	h, _ := fakeRoot(t, true)
	st, err := h.Status()
	if err != nil {
		t.Fatal(err)
	}
	want := "apparmor module is loaded.\n3 profiles are loaded.\n1 profiles are in complain mode.\n   profgen-app\n" +
		"2 profiles are in enforce mode.\n   /usr/bin/man\n   snap.x//hat\n"
	if got := string(st.Text()); got != want {
		t.Errorf("status:\n%s\nwant\n%s", got, want)
	}
}
