package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TimingSyscalls are syscalls whose appearance depends on timing, so that one run of a
// workload may make them and another not: lock contention (futex, sched_yield), a signal
// interrupting a sleep (restart_syscall), and the Go runtime's asynchronous preemption of
// long-running goroutines (tgkill of SIGURG, the handler's rt_sigreturn, sysmon's
// nanosleep). Tests comparing two recordings of a workload (or a recording with strace's
// count) leave them out.
var TimingSyscalls = map[string]bool{
	"futex": true, "restart_syscall": true, "sched_yield": true,
	"tgkill": true, "rt_sigreturn": true, "nanosleep": true,
}

// StraceOmits are the syscalls strace -c leaves out of its summary: they do not return.
var StraceOmits = map[string]bool{"exit": true, "exit_group": true}

// DevNull opens /dev/null for writing, closed when the test ends: a workload's standard
// output that the test does not read.
func DevNull(t testing.TB) *os.File {
	t.Helper()
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Python returns the path of a real python3 interpreter: Debian's /usr/bin/python3, else the
// interpreter that python3 on PATH runs. A python3 on PATH can be a version manager's shim, a
// script that runs many commands before Python, each a process a recording would see. It
// skips the test when there is no python3.
func Python(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	py := RequireCommand(t, "python3")
	out, err := exec.Command(py, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		t.Skipf("python3 does not run: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// Workload is a program a recorder's test records: a name and how to make its command line
// (building it first when need be; a missing compiler skips the test).
type Workload struct {
	Name  string
	Build func(t testing.TB) []string
}

// RecorderWorkloads are the workloads both recorders' tests compare with strace and with
// each other (their sources are in recorder/ptrace/testdata): a shell with pipes and forks,
// threaded Python with sockets and subprocesses, a Go program, a static 32-bit C program, and
// a 64-bit program making int 0x80 and x32 calls.
func RecorderWorkloads(t testing.TB) []Workload {
	dir := filepath.Join(RepoRoot(t), "recorder", "ptrace", "testdata")
	return []Workload{
		{"shell with pipes and forks", func(t testing.TB) []string {
			return []string{"/bin/sh", filepath.Join(dir, "pipes.sh")}
		}},
		{"threaded python with sockets and subprocesses", func(t testing.TB) []string {
			return []string{Python(t), filepath.Join(dir, "threads.py")}
		}},
		{"go program", func(t testing.TB) []string {
			gobin := RequireCommand(t, "go")
			out := filepath.Join(t.TempDir(), "goprog")
			build := exec.Command(gobin, "build", "-o", out, ".")
			build.Dir = filepath.Join(dir, "goprog")
			build.Env = append(os.Environ(), "CGO_ENABLED=0", "GO111MODULE=off")
			if b, err := build.CombinedOutput(); err != nil {
				t.Fatalf("build the Go workload: %v\n%s", err, b)
			}
			return []string{out}
		}},
		{"32-bit static C program", func(t testing.TB) []string {
			return []string{CompileC(t, filepath.Join(dir, "m32.c"), "-m32", "-static")}
		}},
		{"64-bit program with int 0x80 and x32 calls", func(t testing.TB) []string {
			return []string{CompileC(t, filepath.Join(dir, "abimix.c"))}
		}},
	}
}
