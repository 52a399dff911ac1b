//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

// TestRecordRuntimeBase measures the runc and crun base sets with record --runtime-base, as
// the README says to, and checks that they are the shipped ones (profile/data) on this
// machine, in the same form.
func TestRecordRuntimeBase(t *testing.T) {
	testutil.RequireRoot(t)
	// The containers run under a log profile: should the tracer ever let a call through
	// untraced, its record must not land in another test's kernel log.
	testutil.LockKernelLog(t)
	bundle := testutil.NewBusyboxBundle(t, []string{"true"}, auditProfile(t))
	for _, rt := range []string{"runc", "crun"} {
		for _, nnp := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/noNewPrivileges=%v", rt, nnp), func(t *testing.T) {
				testutil.RequireCommand(t, rt)
				testutil.EditBundleConfig(t, bundle, func(s *specs.Spec) { s.Process.NoNewPrivileges = nnp })
				shipped, err := profile.RuntimeBaseSet(rt, nnp)
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				args := append([]string{"record", "--runtime-base", rt, "--"}, runtimeLoop(t, rt, bundle, 20)...)
				cmd := profgenCommand(args...)
				cmd.Dir = dir // the set goes to the default file, named as the shipped one
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("record --runtime-base %s: %v\n%s", rt, err, out)
				}
				out := filepath.Join(dir, profile.RuntimeSetFile(rt, nnp))
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				got, err := profile.ParseRuntimeSet(data)
				if err != nil {
					t.Fatalf("%s: %v", out, err)
				}
				checkMeasuredSet(t, got, shipped)
				if got.Runtime != rt || got.NoNewPrivileges != nnp || !strings.HasPrefix(got.Version, rt+" version ") ||
					!strings.HasPrefix(got.Measured, "20") || !strings.Contains(got.Measured, ", 20 containers, ") ||
					!strings.HasPrefix(got.Method, "profgen record --runtime-base "+rt+" -- ") ||
					!strings.Contains(got.Method, " -c '") || // the loop, quoted as sh reads it
					!strings.Contains(got.Method, fmt.Sprintf("containers with process.noNewPrivileges %v;", nnp)) ||
					!strings.HasPrefix(got.Environment, "Linux ") {
					t.Errorf("fields of %s: %+v", out, got)
				}
				if want, _ := got.Encode(); !bytes.Equal(data, want) {
					t.Errorf("%s is not in the shipped files' encoding", out)
				}
			})
		}
	}
	testutil.EditBundleConfig(t, bundle, func(s *specs.Spec) { s.Process.NoNewPrivileges = true })
	// Containers without a seccomp profile load no filter: nothing to measure, and it says so.
	plain := testutil.NewBusyboxBundle(t, []string{"true"}, nil)
	r := runProfgen(t, nil, append([]string{"record", "--runtime-base", "runc", "--runtime-base-out", "-", "--"}, runtimeLoop(t, "runc", plain, 1)...)...)
	if r.code != exitFailure || !strings.Contains(r.stderr, "no traced process loaded a seccomp filter") {
		t.Errorf("runc without a profile: %+v", r)
	}
	if r := runProfgen(t, nil, "record", "--runtime-base", "../x", "--", "true"); r.code != exitUsage {
		t.Errorf("bad runtime name: %+v", r)
	}
}

// goRuntimeTimed are calls runc's Go runtime makes after the filter is loaded only in some
// runs, by timing: futex (a wake-up) and rt_sigreturn (the end of a preemption signal's
// handler; every profile profgen writes allows it anyway). 20 containers may miss or add one
// of them; the shipped runc sets have futex (TestShippedRuntimeSets).
var goRuntimeTimed = []string{"futex", "rt_sigreturn"}

// checkMeasuredSet compares a measured base set with the shipped one: they must be equal but
// for calls of goRuntimeTimed (reported).
func checkMeasuredSet(t *testing.T, got, shipped *profile.RuntimeSet) {
	t.Helper()
	for abi, names := range shipped.Syscalls {
		lacks := minus(names, got.Syscalls[abi])
		if hard := minus(lacks, goRuntimeTimed); len(hard) > 0 {
			t.Errorf("measured %s base set %v lacks %v of the shipped %v on %s", shipped.Label(), got.Syscalls[abi], hard, names, abi)
		} else if len(lacks) > 0 {
			t.Logf("measured %s base set lacks %v (Go runtime timing) on %s", shipped.Label(), lacks, abi)
		}
	}
	for abi, names := range got.Syscalls {
		extra := minus(names, shipped.Syscalls[abi])
		if hard := minus(extra, goRuntimeTimed); len(hard) > 0 {
			t.Errorf("measured %s base set has %v beyond the shipped %v on %s", shipped.Label(), hard, shipped.Syscalls[abi], abi)
		} else if len(extra) > 0 {
			t.Logf("measured %s base set adds %v (Go runtime timing) on %s", shipped.Label(), extra, abi)
		}
	}
}

// runtimeLoop returns a command line that runs bundle n times with rt, each container with a
// state directory and id of its own, as testutil.RunBundle does (crun in a private mount
// namespace without the hybrid hierarchy's cgroup2 mount).
func runtimeLoop(t *testing.T, rt, bundle string, n int) []string {
	state := t.TempDir()
	id := fmt.Sprintf("profgen-base-%d-%s", os.Getpid(), filepath.Base(state))
	global := " --root " + state
	if rt == "crun" {
		global += " --cgroup-manager=disabled"
	}
	loop := fmt.Sprintf("i=0; while [ $i -lt %d ]; do i=$((i+1)); %s%s run --bundle %s %s-$i || exit 1; done", n, rt, global, bundle, id)
	if b, err := os.ReadFile("/sys/fs/cgroup/unified/cgroup.controllers"); rt == "crun" && err == nil && len(bytes.TrimSpace(b)) > 0 {
		return []string{"unshare", "-m", "--propagation", "private", "sh", "-c", "umount /sys/fs/cgroup/unified && " + loop}
	}
	return []string{"sh", "-c", loop}
}

func TestShellJoin(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sh", "-c", "for i in $(seq 2); do runc run b$i && echo ok; done"}, `sh -c 'for i in $(seq 2); do runc run b$i && echo ok; done'`},
		{[]string{"runc", "--root", "/tmp/x_1", "run", "--bundle=/b", "id-1"}, "runc --root /tmp/x_1 run --bundle=/b id-1"},
		{[]string{"echo", "it's", ""}, `echo 'it'\''s' ''`},
	} {
		if got := shellJoin(c.args); got != c.want {
			t.Errorf("shellJoin(%q) = %s, want %s", c.args, got, c.want)
		}
	}
}
