package testutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// BusyboxPath is where Debian's busybox-static package installs the static busybox.
const BusyboxPath = "/bin/busybox"

// NewBusyboxBundle makes an OCI bundle in a fresh temporary directory: a rootfs holding the
// static busybox with a symlink for each applet in /bin, and a config.json (from `runc spec`)
// that runs args without a terminal, has no linux.resources (cgroup limits need a systemd or
// cgroup setup the test machines may not have) and carries seccomp as linux.seccomp (nil:
// none). It skips the test when runc or busybox is missing and returns the bundle directory.
func NewBusyboxBundle(t testing.TB, args []string, seccomp *specs.LinuxSeccomp) string {
	t.Helper()
	RequireCommand(t, "runc")
	if _, err := os.Stat(BusyboxPath); err != nil {
		t.Skipf("needs a static busybox at %s (make deps installs busybox-static): %v", BusyboxPath, err)
	}
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "proc", "dev", "sys", "tmp", "etc"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bb, err := os.ReadFile(BusyboxPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin", "busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	list, err := exec.Command(BusyboxPath, "--list").Output()
	if err != nil {
		t.Fatalf("busybox --list: %v", err)
	}
	for _, applet := range strings.Fields(string(list)) {
		if applet == "busybox" || strings.Contains(applet, "/") {
			continue
		}
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(rootfs, "etc", "passwd"), []byte("root:x:0:0:root:/:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("runc", "spec", "--bundle", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v: %s", err, out)
	}
	WriteBundleConfig(t, dir, args, seccomp)
	return dir
}

// WriteBundleConfig rewrites the config.json of a bundle made by NewBusyboxBundle with new
// args and seccomp profile, so one rootfs can serve several runs.
func WriteBundleConfig(t testing.TB, bundle string, args []string, seccomp *specs.LinuxSeccomp) {
	t.Helper()
	EditBundleConfig(t, bundle, func(spec *specs.Spec) {
		spec.Process.Terminal = false
		spec.Process.Args = args
		spec.Root = &specs.Root{Path: "rootfs", Readonly: true}
		if spec.Linux == nil {
			spec.Linux = &specs.Linux{}
		}
		spec.Linux.Resources = nil
		spec.Linux.Seccomp = seccomp
	})
}

// EditBundleConfig reads the bundle's config.json, lets edit change it, and writes it back.
func EditBundleConfig(t testing.TB, bundle string, edit func(*specs.Spec)) {
	t.Helper()
	path := filepath.Join(bundle, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	edit(&spec)
	out, err := json.MarshalIndent(&spec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

var containerSeq atomic.Int64

// RunBundle runs the bundle with the OCI runtime named by runtime ("runc" or "crun", which
// must be on PATH), with a state directory of its own, and returns the container's standard
// output, standard error and the runtime's error (non-nil when the workload or the runtime
// failed). The container is deleted afterwards.
func RunBundle(t testing.TB, runtime, bundle string) (stdout, stderr string, err error) {
	t.Helper()
	RequireRoot(t)
	RequireCommand(t, runtime)
	state := t.TempDir()
	id := fmt.Sprintf("profgen-test-%d-%d", os.Getpid(), containerSeq.Add(1))
	var o, e bytes.Buffer
	global := []string{"--root", state}
	name, pre := runtime, []string(nil)
	if runtime == "crun" {
		// The bundles have no resources to apply, so crun needs no cgroup manager. crun also
		// refuses a hybrid hierarchy whose cgroup2 mount holds controllers; run it in a
		// private mount namespace without that mount.
		global = append(global, "--cgroup-manager=disabled")
		if b, err := os.ReadFile("/sys/fs/cgroup/unified/cgroup.controllers"); err == nil && len(bytes.TrimSpace(b)) > 0 {
			RequireCommand(t, "unshare")
			name = "unshare"
			pre = []string{"-m", "--propagation", "private", "sh", "-c", `umount /sys/fs/cgroup/unified && exec "$0" "$@"`, runtime}
		}
	}
	cmd := exec.Command(name, append(append(pre, global...), "run", "--bundle", bundle, id)...)
	cmd.Stdout, cmd.Stderr = &o, &e
	cmd.WaitDelay = 30 * time.Second
	err = cmd.Run()
	exec.Command(runtime, append(global, "delete", "--force", id)...).Run()
	return o.String(), e.String(), err
}

// SetNoNewPrivileges sets process.noNewPrivileges in the bundle's config.json. `runc spec`
// writes true; Docker and Kubernetes run containers with false unless the user asks
// (allowPrivilegeEscalation: false), and runc then loads the seccomp filter before it drops
// capabilities and changes user, so more of its own calls run under the filter.
// WriteBundleConfig keeps the value.
func SetNoNewPrivileges(t testing.TB, bundle string, noNewPrivileges bool) {
	t.Helper()
	EditBundleConfig(t, bundle, func(spec *specs.Spec) { spec.Process.NoNewPrivileges = noNewPrivileges })
}

// WithoutSyscall returns a copy of p whose rules no longer name name (a rule left with no
// names is dropped), to show that a workload needs name under p.
func WithoutSyscall(p *specs.LinuxSeccomp, name string) *specs.LinuxSeccomp {
	q := *p
	q.Syscalls = nil
	for _, r := range p.Syscalls {
		var names []string
		for _, n := range r.Names {
			if n != name {
				names = append(names, n)
			}
		}
		r.Names = names
		if len(names) > 0 {
			q.Syscalls = append(q.Syscalls, r)
		}
	}
	return &q
}

// DockerCapabilities are the capabilities Docker gives a container unless told otherwise
// (moby's default set), in the recording's spelling.
var DockerCapabilities = []string{"audit_write", "chown", "dac_override", "fowner", "fsetid", "kill", "mknod",
	"net_bind_service", "net_raw", "setfcap", "setgid", "setpcap", "setuid", "sys_chroot"}

// SetCapabilities gives the bundle's process exactly caps (net_bind_service: CAP_NET_BIND_SERVICE)
// as its bounding, effective and permitted sets, and no inheritable or ambient ones, as
// Kubernetes' capabilities: {drop: [ALL], add: caps} does.
func SetCapabilities(t testing.TB, bundle string, caps []string) {
	t.Helper()
	path := filepath.Join(bundle, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var spec specs.Spec
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	names := []string{}
	for _, c := range caps {
		names = append(names, "CAP_"+strings.ToUpper(c))
	}
	spec.Process.Capabilities = &specs.LinuxCapabilities{Bounding: names, Effective: names, Permitted: names}
	out, err := json.MarshalIndent(&spec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
