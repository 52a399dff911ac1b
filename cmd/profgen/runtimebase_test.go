package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

// TestRecordRuntimeBase measures the runc and crun base sets with record --runtime-base, as
// the README says to, and checks that they are the shipped ones (profile/data) on this
// machine, in the same form.
func TestRecordRuntimeBase(t *testing.T) {
	testutil.RequireRoot(t)
	logp, err := profile.GenerateSeccomp(nil, profile.SeccompOptions{Mode: profile.ModeLog})
	if err != nil {
		t.Fatal(err)
	}
	bundle := testutil.NewBusyboxBundle(t, []string{"true"}, logp)
	for _, rt := range []string{"runc", "crun"} {
		t.Run(rt, func(t *testing.T) {
			testutil.RequireCommand(t, rt)
			shipped, err := profile.RuntimeBaseSet(rt, true) // runc spec's bundles have noNewPrivileges true
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "runtime-"+rt+".json")
			args := append([]string{"record", "--runtime-base", rt, "--runtime-base-out", out, "--"}, runtimeLoop(t, rt, bundle, 20)...)
			r := runProfgen(t, nil, args...)
			if r.code != 0 {
				t.Fatalf("record --runtime-base %s: status %d\n%s", rt, r.code, r.stderr)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var got profile.RuntimeSet
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("%s: %v", out, err)
			}
			if !reflect.DeepEqual(got.Syscalls, shipped.Syscalls) {
				t.Errorf("measured %s base set %v, shipped %v", rt, got.Syscalls, shipped.Syscalls)
			}
			if got.Runtime != rt || !strings.HasPrefix(got.Version, rt+" version ") ||
				!strings.HasPrefix(got.Measured, "20") || !strings.Contains(got.Measured, ", 20 containers, ") ||
				!strings.HasPrefix(got.Method, "profgen record --runtime-base "+rt+" -- ") ||
				!strings.HasPrefix(got.Environment, "Linux ") {
				t.Errorf("fields of %s: %+v", out, got)
			}
			if want, _ := got.Encode(); !bytes.Equal(data, want) {
				t.Errorf("%s is not in the shipped files' encoding", out)
			}
		})
	}
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
