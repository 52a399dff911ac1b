// Package testutil holds helpers shared by profgen's tests: skips for missing privileges or
// kernel features, and paths to the shared reference data.
package testutil

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// RequireRoot skips the test unless it runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs as root)")
	}
}

// RequireCommand skips the test unless name is on PATH, and returns its path.
func RequireCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("needs %s on PATH (make deps installs it): %v", name, err)
	}
	return p
}

// RepoRoot returns the top of the profgen repository.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the repository")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// SharedData returns the path of a file or folder under ../shared/data beside the
// repository, skipping the test when the shared data is not there.
func SharedData(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), "..", "shared", "data", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared reference data not found at %s: %v", p, err)
	}
	return p
}

// CompileC builds the C program src with gcc and flags (-m32, -static ...) into a temporary
// directory and returns the binary's path; it skips the test when gcc or the libraries the
// flags need (gcc-multilib for -m32) are missing.
func CompileC(t testing.TB, src string, flags ...string) string {
	t.Helper()
	cc := RequireCommand(t, "gcc")
	out := filepath.Join(t.TempDir(), filepath.Base(src)+".bin")
	args := append(append([]string{}, flags...), "-O1", "-o", out, src)
	if b, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Skipf("cannot build %s with gcc %v (make deps installs gcc-multilib): %v\n%s", src, flags, err, b)
	}
	return out
}

// ProcState returns the state letter of process pid (R, S, T, t, Z ...) from /proc, 0 when
// there is no such process.
func ProcState(pid int) byte {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// pid (comm) S ...: the state follows the last ')', comm may hold anything.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return 0
	}
	return b[i+2]
}

// ProcessAlive reports whether process pid exists and has not exited (a zombie has).
func ProcessAlive(pid int) bool {
	s := ProcState(pid)
	return s != 0 && s != 'Z' && s != 'X'
}
