//go:build linux && amd64

package ebpf

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder/ptrace"
	"github.com/profgen/profgen/syscalls"
)

// TestRecordMatchesPtraceAndStrace records each workload with the eBPF recorder, the ptrace
// recorder and strace -f, and wants the same syscalls on the same ABIs from all three.
func TestRecordMatchesPtraceAndStrace(t *testing.T) {
	requireBPF(t)
	env := append(os.Environ(), "TMPDIR="+t.TempDir())
	for _, tt := range testutil.RecorderWorkloads(t) {
		t.Run(tt.Name, func(t *testing.T) {
			args := tt.Build(t)
			res, err := Record(context.Background(), Options{Args: args, Env: env, Stdout: testutil.DevNull(t)})
			if err != nil {
				t.Fatalf("record %v: %v", args, err)
			}
			if res.Status() != 0 {
				t.Fatalf("workload exit status %d", res.Status())
			}
			if len(res.Lost) != 0 {
				t.Errorf("losses %v", res.Lost)
			}
			pres, err := ptrace.Record(context.Background(), ptrace.Options{Args: args, Env: env, Stdout: testutil.DevNull(t)})
			if err != nil {
				t.Fatalf("record %v with ptrace: %v", args, err)
			}
			compare(t, "ebpf", res.Recording, "ptrace", names(pres.Recording), nil)
			compare(t, "ebpf", res.Recording, "strace", testutil.StraceCounts(t, env, testutil.DevNull(t), args...), testutil.StraceOmits)
		})
	}
}

// names returns the syscalls of rec per ABI.
func names(rec *profile.Recording) map[syscalls.ABI]map[string]uint64 {
	out := map[syscalls.ABI]map[string]uint64{}
	for abi, m := range rec.Syscalls {
		out[abi] = map[string]uint64{}
		for name, st := range m {
			out[abi][name] = st.Count
		}
	}
	return out
}

// compare wants the syscalls of rec and want to be the same per ABI, but for timing-dependent
// ones and, on rec's side, those in onlyRec.
func compare(t *testing.T, recName string, rec *profile.Recording, wantName string, want map[syscalls.ABI]map[string]uint64, onlyRec map[string]bool) {
	t.Helper()
	for abi, m := range want {
		for name := range m {
			if rec.Syscalls[abi][name] == nil && !testutil.TimingSyscalls[name] {
				t.Errorf("%s saw %s on %s, %s did not (%s saw %v)", wantName, name, abi, recName, recName, rec.SyscallNames(abi))
			}
		}
	}
	for abi, m := range rec.Syscalls {
		for name, st := range m {
			if _, ok := want[abi][name]; !ok && !testutil.TimingSyscalls[name] && !onlyRec[name] {
				t.Errorf("%s saw %s on %s (%d calls, first by %+v), %s did not", recName, name, abi, st.Count, st.First, wantName)
			}
		}
	}
}

func TestRecordABIs(t *testing.T) {
	requireBPF(t)
	dir, _ := filepath.Abs(filepath.Join("..", "ptrace", "testdata"))
	m32 := testutil.CompileC(t, filepath.Join(dir, "m32.c"), "-m32", "-static")
	res, err := Record(context.Background(), Options{Args: []string{m32}, Stdout: testutil.DevNull(t)})
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Recording
	// The execve is the only 64-bit call of a static 32-bit program.
	if got := rec.SyscallNames(syscalls.X86_64); len(got) != 1 || got[0] != "execve" {
		t.Errorf("x86_64 calls %v, want [execve]", got)
	}
	if rec.Syscalls[syscalls.X86]["exit_group"] == nil {
		t.Errorf("x86 exit_group not recorded (have %v)", rec.SyscallNames(syscalls.X86))
	}
	mix := testutil.CompileC(t, filepath.Join(dir, "abimix.c"))
	res, err = Record(context.Background(), Options{Args: []string{mix}, Stdout: testutil.DevNull(t)})
	if err != nil {
		t.Fatal(err)
	}
	rec = res.Recording
	if rec.Syscalls[syscalls.X86]["getppid"] == nil {
		t.Errorf("int 0x80 getppid not recorded on x86: %v", rec.SyscallNames(syscalls.X86))
	}
	if rec.Syscalls[syscalls.X32]["getpid"] == nil {
		t.Errorf("x32 getpid not recorded on x32: %v", rec.SyscallNames(syscalls.X32))
	}
	if rec.Syscalls[syscalls.X86_64]["getppid"] != nil {
		t.Errorf("int 0x80 getppid also counted on x86_64")
	}
}

// TestRecordCountsAndArgs checks exact counts and kept arguments of a known workload.
func TestRecordCountsAndArgs(t *testing.T) {
	requireBPF(t)
	py := testutil.Python(t)
	script := `import os, socket
for i in range(100): os.getppid()
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
`
	res, err := Record(context.Background(), Options{Args: []string{py, "-c", script}, Stdout: testutil.DevNull(t)})
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Recording
	if n := rec.Syscalls[syscalls.X86_64]["getppid"].Count; n < 100 {
		t.Errorf("getppid counted %d times, want at least 100", n)
	}
	var socks []string
	for _, s := range rec.Sockets {
		socks = append(socks, s.Family+"/"+s.Type)
	}
	sort.Strings(socks)
	want := map[string]bool{"inet/dgram": false, "unix/stream": false}
	for _, s := range socks {
		if _, ok := want[s]; ok {
			want[s] = true
		}
	}
	for s, seen := range want {
		if !seen {
			t.Errorf("socket %s not recorded (have %v)", s, socks)
		}
	}
	if first := rec.Syscalls[syscalls.X86_64]["execve"].First; first.PID != res.PID {
		t.Errorf("execve first made by %+v, want the workload's pid", first)
	}
}

// TestRecordFollowsOrphans checks that a child outliving the command is recorded to its end.
func TestRecordFollowsOrphans(t *testing.T) {
	requireBPF(t)
	res, err := Record(context.Background(), Options{Args: []string{"/bin/sh", "-c", "(sleep 0.2; /bin/true --version >/dev/null 2>&1; cat /dev/null) & exit 0"}})
	if err != nil {
		t.Fatal(err)
	}
	// cat's file reads come after its parent shell exited.
	if res.Recording.Syscalls[syscalls.X86_64]["clock_nanosleep"] == nil {
		t.Errorf("sleep's clock_nanosleep not recorded: %v", res.Recording.SyscallNames(syscalls.X86_64))
	}
}

// TestRecordTgidsBeyondPidSlots: with the traced_pids array too small for any process here
// (one slot), every lookup falls back to the traced hash; a forking pipeline records the same
// syscalls as with the array sized to pid_max, and nothing is lost.
func TestRecordTgidsBeyondPidSlots(t *testing.T) {
	requireBPF(t)
	args := []string{"/bin/sh", "-c", "ls / | cat > /dev/null; (true) && exit 0"}
	want, err := Record(context.Background(), Options{Args: args})
	if err != nil {
		t.Fatal(err)
	}
	defer func(n uint32) { maxPidSlots = n }(maxPidSlots)
	maxPidSlots = 1
	got, err := Record(context.Background(), Options{Args: args})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Lost) != 0 || len(want.Lost) != 0 {
		t.Errorf("losses %v, %v", got.Lost, want.Lost)
	}
	if got.Syscalls < 100 {
		t.Errorf("%d syscalls recorded with every tgid beyond the array, want the pipeline's (%d with it)", got.Syscalls, want.Syscalls)
	}
	compare(t, "one-slot array", got.Recording, "pid_max array", names(want.Recording), nil)
}
