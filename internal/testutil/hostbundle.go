package testutil

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// NewHostBundle makes an OCI bundle whose container runs the host's own programs: a read-only
// rootfs of empty mount points and the merged-/usr links (bin, lib, lib64, sbin -> usr/...),
// with the host's /usr and /etc bind-mounted read-only, each of binds bind-mounted read-write
// at the same path, tmpfs on /tmp, /run and /var, and the host's network namespace, so that a
// server in the container is reached on the host's loopback. It skips the test when runc or
// a merged-/usr host is missing. The config comes from `runc spec` (noNewPrivileges true; see
// SetNoNewPrivileges) and runs args under seccomp (nil: none).
func NewHostBundle(t testing.TB, args []string, seccomp *specs.LinuxSeccomp, binds ...string) string {
	t.Helper()
	RequireCommand(t, "runc")
	if fi, err := os.Lstat("/lib"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Skip("needs a merged-/usr host (/lib a link to usr/lib), as Debian 12 is")
	}
	dir := t.TempDir()
	rootfs := filepath.Join(dir, "rootfs")
	for _, d := range []string{"usr", "etc", "proc", "dev", "sys", "tmp", "run", "var"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range []string{"bin", "lib", "lib64", "sbin"} {
		if err := os.Symlink("usr/"+l, filepath.Join(rootfs, l)); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("runc", "spec", "--bundle", dir).CombinedOutput(); err != nil {
		t.Fatalf("runc spec: %v: %s", err, out)
	}
	EditBundleConfig(t, dir, func(spec *specs.Spec) {
		for _, m := range []struct{ src, dst string }{{"/usr", "/usr"}, {"/etc", "/etc"}} {
			spec.Mounts = append(spec.Mounts, specs.Mount{Destination: m.dst, Type: "bind", Source: m.src, Options: []string{"rbind", "ro"}})
		}
		// tmpfs first: a bind below /tmp (a test's temporary directory) goes on top of it.
		for _, d := range []string{"/tmp", "/run", "/var"} {
			spec.Mounts = append(spec.Mounts, specs.Mount{Destination: d, Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777"}})
		}
		for _, b := range binds {
			spec.Mounts = append(spec.Mounts, specs.Mount{Destination: b, Type: "bind", Source: b, Options: []string{"rbind", "rw"}})
		}
		var ns []specs.LinuxNamespace
		for _, n := range spec.Linux.Namespaces {
			if n.Type != specs.NetworkNamespace {
				ns = append(ns, n)
			}
		}
		spec.Linux.Namespaces = ns
	})
	WriteBundleConfig(t, dir, args, seccomp)
	return dir
}

// Container is a container started in the background by StartBundle.
type Container struct {
	t       testing.TB
	runtime string
	id      string
	global  []string
	cmd     *exec.Cmd
	out     bytes.Buffer
	err     bytes.Buffer
	done    chan error
}

// StartBundle starts the bundle with runc (with a state directory and id of its own) and
// returns at once; Stop ends it. The container is killed and deleted when the test ends.
func StartBundle(t testing.TB, bundle string) *Container {
	t.Helper()
	RequireRoot(t)
	RequireCommand(t, "runc")
	c := &Container{t: t, runtime: "runc", id: fmt.Sprintf("profgen-test-%d-%d", os.Getpid(), containerSeq.Add(1)),
		global: []string{"--root", t.TempDir()}, done: make(chan error, 1)}
	c.cmd = exec.Command("runc", append(append([]string{}, c.global...), "run", "--bundle", bundle, c.id)...)
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.err
	c.cmd.WaitDelay = 10 * time.Second
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("runc run: %v", err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		exec.Command("runc", append(append([]string{}, c.global...), "kill", c.id, "KILL")...).Run()
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
		}
		exec.Command("runc", append(append([]string{}, c.global...), "delete", "--force", c.id)...).Run()
	})
	return c
}

// ID returns the container's id.
func (c *Container) ID() string { return c.id }

// Root returns the runc state directory the container is in (runc --root).
func (c *Container) Root() string { return c.global[1] }

// Exited reports, without waiting, whether the container has ended, and how.
func (c *Container) Exited() (bool, error) {
	select {
	case err := <-c.done:
		c.done <- err
		return true, err
	default:
		return false, nil
	}
}

// Stop sends SIGTERM to the container's process, waits (at most 3 s, then SIGKILL: a
// program without a SIGTERM handler ignores it as the container's PID 1) and returns its
// output and runc's exit error.
func (c *Container) Stop() (stdout, stderr string, err error) {
	exec.Command("runc", append(append([]string{}, c.global...), "kill", c.id, "TERM")...).Run()
	select {
	case err = <-c.done:
		c.done <- err
	case <-time.After(3 * time.Second):
		exec.Command("runc", append(append([]string{}, c.global...), "kill", c.id, "KILL")...).Run()
		err = <-c.done
		c.done <- err
	}
	return c.out.String(), c.err.String(), err
}

// Output returns what the container wrote so far (for failure messages).
func (c *Container) Output() string { return c.out.String() + c.err.String() }

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// WaitPort waits until something accepts connections on addr, or alive reports false, or d
// passes; it returns whether a connection was accepted.
func WaitPort(addr string, d time.Duration, alive func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return true
		}
		if alive != nil && !alive() {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
