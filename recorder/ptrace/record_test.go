//go:build linux && amd64

package ptrace

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// recordCmd records args with the given options and fails the test on error.
func recordCmd(t *testing.T, opts Options, args ...string) *Result {
	t.Helper()
	opts.Args = args
	if opts.Stdout == nil {
		opts.Stdout = testutil.DevNull(t)
	}
	res, err := Record(context.Background(), opts)
	if err != nil {
		t.Fatalf("record %v: %v", args, err)
	}
	return res
}

// compareWithStrace checks that every syscall strace -f sees is recorded on the same ABI, and
// that profgen records nothing strace does not know of.
func compareWithStrace(t *testing.T, rec *profile.Recording, env []string, args ...string) {
	t.Helper()
	want := testutil.StraceCounts(t, env, testutil.DevNull(t), args...)
	for abi, names := range want {
		for name := range names {
			if rec.Syscalls[abi][name] == nil && !testutil.TimingSyscalls[name] {
				t.Errorf("strace saw %s on %s, profgen did not (profgen saw %v)", name, abi, rec.SyscallNames(abi))
			}
		}
	}
	for abi, m := range rec.Syscalls {
		for name, st := range m {
			if _, ok := want[abi][name]; !ok && !testutil.TimingSyscalls[name] && !testutil.StraceOmits[name] {
				t.Errorf("profgen saw %s on %s (%d calls, first by %+v), strace did not", name, abi, st.Count, st.First)
			}
		}
	}
}

func TestRecordMatchesStrace(t *testing.T) {
	env := append(os.Environ(), "TMPDIR="+t.TempDir())
	for _, tt := range testutil.RecorderWorkloads(t) {
		t.Run(tt.Name, func(t *testing.T) {
			args := tt.Build(t)
			res := recordCmd(t, Options{Env: env}, args...)
			if res.Status() != 0 {
				t.Fatalf("workload exit status %d", res.Status())
			}
			if res.Mode != ModeSeccomp {
				t.Errorf("mode %s, want seccomp", res.Mode)
			}
			compareWithStrace(t, res.Recording, env, args...)
		})
	}
}

func TestRecordABIs(t *testing.T) {
	dir, _ := filepath.Abs("testdata")
	m32 := testutil.CompileC(t, filepath.Join(dir, "m32.c"), "-m32", "-static")
	res := recordCmd(t, Options{}, m32)
	rec := res.Recording
	// The helper's execve is the only 64-bit call of a static 32-bit program.
	if got := rec.SyscallNames(syscalls.X86_64); len(got) != 1 || got[0] != "execve" {
		t.Errorf("x86_64 calls %v, want [execve]", got)
	}
	for _, name := range []string{"openat", "read", "fstat64", "close", "exit_group"} {
		if rec.Syscalls[syscalls.X86][name] == nil && !(name == "fstat64" && rec.Syscalls[syscalls.X86]["statx"] != nil) {
			t.Errorf("x86 %s not recorded (have %v)", name, rec.SyscallNames(syscalls.X86))
		}
	}
	mix := testutil.CompileC(t, filepath.Join(dir, "abimix.c"))
	rec = recordCmd(t, Options{}, mix).Recording
	if rec.Syscalls[syscalls.X86]["getppid"] == nil {
		t.Errorf("int 0x80 getppid not recorded on x86: %v", rec.SyscallNames(syscalls.X86))
	}
	if rec.Syscalls[syscalls.X32]["getpid"] == nil {
		t.Errorf("x32 getpid not recorded on x32: %v", rec.SyscallNames(syscalls.X32))
	}
}

// sortedKeys is used in failure messages.
func sortedKeys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestRecordSyscallModeMatchesStrace(t *testing.T) {
	dir, _ := filepath.Abs("testdata")
	env := append(os.Environ(), "TMPDIR="+t.TempDir())
	args := []string{"/bin/sh", filepath.Join(dir, "pipes.sh")}
	res := recordCmd(t, Options{Env: env, Mode: ModeSyscall}, args...)
	if res.Mode != ModeSyscall || res.Status() != 0 {
		t.Fatalf("mode %s status %d", res.Mode, res.Status())
	}
	// PTRACE_SYSCALL stops twice per syscall (entry and exit).
	if res.Stops < 2*res.Syscalls-10 {
		t.Errorf("%d stops for %d syscalls: not stopping at entry and exit", res.Stops, res.Syscalls)
	}
	compareWithStrace(t, res.Recording, env, args...)
}

func TestRecordBaselineStopsLess(t *testing.T) {
	full := recordCmd(t, Options{}, "/bin/sh", "-c", "ls / > /dev/null")
	base := recordCmd(t, Options{Baseline: full.Recording}, "/bin/sh", "-c", "ls / > /dev/null")
	if base.Syscalls > 5 || base.Stops >= full.Stops/4 {
		t.Errorf("with a baseline covering the workload: %d syscalls in %d stops (without: %d in %d)",
			base.Syscalls, base.Stops, full.Syscalls, full.Stops)
	}
	files := recordCmd(t, Options{Baseline: full.Recording, Files: true}, "/bin/sh", "-c", "ls / > /dev/null")
	if files.Recording.Files["/"] == nil {
		t.Errorf("with Files, path syscalls must still stop under a baseline: files %v", sortedKeys(files.Recording.Files))
	}
}

func TestRecordArguments(t *testing.T) {
	dir, _ := filepath.Abs("testdata")
	res := recordCmd(t, Options{Files: true}, testutil.Python(t), filepath.Join(dir, "threads.py"))
	rec := res.Recording
	for _, want := range []profile.Socket{
		{Family: "inet", Type: "stream"},
		{Family: "inet6", Type: "dgram"},
		{Family: "unix", Type: "stream"},
	} {
		found := false
		for _, s := range rec.Sockets {
			found = found || (s.Family == want.Family && s.Type == want.Type)
		}
		if !found {
			t.Errorf("socket %+v not recorded: %+v", want, rec.Sockets)
		}
	}
	if fam := rec.Args["socket"]["family"]; len(fam) < 2 {
		t.Errorf("socket families %v, want AF_INET and AF_INET6 at least", fam)
	}
	// Threads are made with CLONE_THREAD, by clone or (newer C libraries) clone3.
	const cloneThread = 0x10000
	threaded := false
	for _, sc := range []string{"clone", "clone3"} {
		for _, f := range rec.Args[sc]["flags"] {
			threaded = threaded || f&cloneThread != 0
		}
	}
	if !threaded {
		t.Errorf("no clone flags with CLONE_THREAD recorded: %v", rec.Args)
	}
	// Programs are recorded by the name AppArmor gives them: the file, after symbolic links.
	trueBin, err := filepath.EvalSymlinks("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	if f := rec.Files[trueBin]; f == nil || !strings.Contains(f.Access, "x") || f.Type != profile.FileTypeRegular {
		t.Errorf("exec of %s not recorded with x as a file: %+v", trueBin, f)
	}
}

func TestRecordExecFromThread(t *testing.T) {
	dir, _ := filepath.Abs("testdata")
	bin := testutil.CompileC(t, filepath.Join(dir, "threadexec.c"), "-pthread")
	done := make(chan *Result, 1)
	go func() { done <- recordCmd(t, Options{Files: true}, bin) }()
	var res *Result
	select {
	case res = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the recording did not end after the exec from a thread")
	}
	if res.Status() != 0 {
		t.Errorf("exit status %d", res.Status())
	}
	rec := res.Recording
	if f := rec.Files["/etc/hostname"]; f == nil {
		t.Errorf("cat's read of /etc/hostname after the exec from a thread was not recorded: %v", sortedKeys(rec.Files))
	}
	if s := rec.Syscalls[syscalls.X86_64]["execve"]; s == nil || s.Count < 2 {
		t.Errorf("execve: %+v, want the helper's and the thread's", s)
	}
}
