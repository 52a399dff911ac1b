//go:build linux

package profile

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/syscalls"
)

// noPrintkRateLimit takes the kernel log lock and switches printk rate limiting off for the
// test, so that the kernel logs every seccomp audit record (without auditd they go through
// printk).
func noPrintkRateLimit(t *testing.T) {
	testutil.LockKernelLog(t)
	const rl = "/proc/sys/kernel/printk_ratelimit"
	old, err := os.ReadFile(rl)
	if err != nil {
		t.Skipf("cannot read %s: %v", rl, err)
	}
	if err := os.WriteFile(rl, []byte("0"), 0o644); err != nil {
		t.Skipf("cannot switch printk rate limiting off: %v", err)
	}
	t.Cleanup(func() { os.WriteFile(rl, old, 0o644) })
}

// recordInBundle runs args in the bundle under the audit profile and returns a recording of
// the syscalls the kernel logged for exe (a path inside the rootfs unique to this test).
func recordInBundle(t *testing.T, rt, bundle, exe string, args []string) *Recording {
	t.Helper()
	testutil.WriteBundleConfig(t, bundle, args, logProfile(t))
	tail := openRecordTail(t)
	if out, e, err := testutil.RunBundle(t, rt, bundle); err != nil {
		t.Fatalf("%s under the audit profile: %v: %s%s", rt, err, out, e)
	}
	rec := NewRecording("profgen-test", "auditlog")
	for _, msg := range waitForRecords(tail, exe) {
		if strings.Contains(msg, "callbacks suppressed") || strings.Contains(msg, "backlog limit exceeded") {
			t.Fatalf("kernel dropped audit records: %s", msg)
		}
		m := seccompRecordRE.FindStringSubmatch(msg)
		if m == nil || m[2] != exe {
			continue
		}
		arch, _ := strconv.ParseUint(m[3], 16, 32)
		nr, _ := strconv.ParseInt(m[4], 10, 64)
		abi, err := syscalls.ABIFromAudit(uint32(arch), nr)
		if err != nil {
			t.Fatal(err)
		}
		name, err := abi.Name(nr)
		if err != nil {
			t.Fatal(err)
		}
		rec.AddSyscall(abi, name, 1, Process{Comm: m[1], Exe: m[2]})
	}
	if len(rec.ABIs()) == 0 {
		t.Fatalf("no seccomp records for %s", exe)
	}
	return rec
}

// waitForRecords returns the messages of tail until records of exe have arrived and no new
// message came for half a second (the kernel and the audit daemon log asynchronously), or
// for at most 10 seconds.
func waitForRecords(tail recordTail, exe string) []string {
	var all []string
	seen := false
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		msgs := tail.messages()
		if seen && len(msgs) == 0 {
			break
		}
		for _, m := range msgs {
			seen = seen || strings.Contains(m, `exe="`+exe+`"`)
		}
		all = append(all, msgs...)
	}
	return all
}

// TestRuntimeBaseSetRunsWorkload records `ls -l /etc` in a container through the audit log,
// generates an allow-list profile from the recording with the runtime's base set, and runs
// the workload under it in the real runtime, with process.noNewPrivileges false (Docker's
// and Kubernetes' default) and true. It must succeed; it must fail without the base set, and
// fail when getdents64 (which ls needs to list a directory) is removed.
func TestRuntimeBaseSetRunsWorkload(t *testing.T) {
	testutil.RequireRoot(t)
	for _, tc := range []struct {
		rt  string
		nnp bool
	}{{"runc", false}, {"runc", true}, {"crun", false}, {"crun", true}} {
		rt, nnp := tc.rt, tc.nnp
		t.Run(fmt.Sprintf("%s/noNewPrivileges=%v", rt, nnp), func(t *testing.T) {
			testutil.RequireCommand(t, rt)
			noPrintkRateLimit(t)
			bundle := testutil.NewBusyboxBundle(t, []string{"true"}, nil)
			testutil.SetNoNewPrivileges(t, bundle, nnp)
			// A copy of busybox at a path of its own tells this test's records apart from
			// everything else the kernel logs meanwhile.
			exe := fmt.Sprintf("/profgen-%d-%s-%v/busybox", os.Getpid(), rt, nnp)
			dst := filepath.Join(bundle, "rootfs", exe)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			bb, err := os.ReadFile(testutil.BusyboxPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, bb, 0o755); err != nil {
				t.Fatal(err)
			}
			args := []string{exe, "ls", "-l", "/etc"}
			rec := recordInBundle(t, rt, bundle, exe, args)
			if rec.Syscalls[syscalls.Native()]["getdents64"] == nil {
				t.Fatalf("getdents64 not recorded: %v", rec.SyscallNames(syscalls.Native()))
			}
			run := func(p *specs.LinuxSeccomp) (string, error) {
				testutil.WriteBundleConfig(t, bundle, args, p)
				out, e, err := testutil.RunBundle(t, rt, bundle)
				return out + e, err
			}
			prof, err := GenerateSeccomp(rec, SeccompOptions{Runtime: rt, NoNewPrivileges: nnp})
			if err != nil {
				t.Fatal(err)
			}
			// Several runs: a base set missing a call the runtime makes only sometimes (its Go
			// runtime's futex, say) shows up as an occasional failure.
			for i := 0; i < 10; i++ {
				if out, err := run(prof); err != nil || !strings.Contains(out, "passwd") {
					t.Fatalf("workload under the generated profile, run %d: err %v, output %q", i, err, out)
				}
			}
			bare, err := GenerateSeccomp(rec, SeccompOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if out, err := run(bare); err == nil {
				t.Errorf("the workload ran under a profile without the %s base set (output %q); is the set still needed?", rt, out)
			}
			if out, err := run(testutil.WithoutSyscall(prof, "getdents64")); err == nil && strings.Contains(out, "passwd") {
				t.Errorf("ls listed /etc with getdents64 denied: %q", out)
			}
			// Which of the base set the runtime cannot do without (logged, for the data notes).
			base, _ := RuntimeBaseSet(rt, nnp)
			names, _ := base.Names(syscalls.Native())
			var essential []string
			for _, n := range names {
				if rec.Syscalls[syscalls.Native()][n] != nil || n == "rt_sigreturn" {
					continue
				}
				if _, err := run(testutil.WithoutSyscall(prof, n)); err != nil {
					essential = append(essential, n)
				}
			}
			t.Logf("%s base set %v: the workload fails without each of %v", rt, names, essential)
		})
	}
}
