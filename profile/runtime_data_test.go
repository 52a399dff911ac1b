package profile

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestShippedRuntimeSets checks the shipped base sets are what
// profile/data/measure-runtime-base.sh writes (profgen record --runtime-base on its bundle),
// for the file's runtime and noNewPrivileges, and hold what a measurement may miss by timing:
// runc's Go runtime's futex. A set measured with noNewPrivileges true is part of the false
// one (the runtime loads the filter later in the same sequence of calls).
func TestShippedRuntimeSets(t *testing.T) {
	for _, rt := range []string{"runc", "crun"} {
		early, err := RuntimeBaseSet(rt, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, nnp := range []bool{false, true} {
			s, err := RuntimeBaseSet(rt, nnp)
			if err != nil {
				t.Fatal(err)
			}
			name := RuntimeSetFile(rt, nnp)
			if s.Runtime != rt || s.NoNewPrivileges != nnp {
				t.Errorf("%s: runtime %s, noNewPrivileges %v", name, s.Runtime, s.NoNewPrivileges)
			}
			for _, want := range []string{
				"profgen record --runtime-base " + rt + " -- ",
				fmt.Sprintf(" run --bundle /tmp/profgen-runtime-base/%s-%v base-$i ", rt, nnp),
				fmt.Sprintf("containers with process.noNewPrivileges %v;", nnp),
			} {
				if !strings.Contains(s.Method, want) {
					t.Errorf("%s: method %q lacks %q (not written by measure-runtime-base.sh %s %v)", name, s.Method, want, rt, nnp)
				}
			}
			if !strings.HasPrefix(s.Version, rt+" version ") || !strings.Contains(s.Measured, " containers, ") {
				t.Errorf("%s: version %q, measured %q", name, s.Version, s.Measured)
			}
			for abi, names := range s.Syscalls {
				if rt == "runc" && !slices.Contains(names, "futex") {
					t.Errorf("%s lacks futex on %s: runc's Go runtime makes it in most runs; measure again", name, abi)
				}
				for _, n := range names {
					if !slices.Contains(early.Syscalls[abi], n) && n != "rt_sigreturn" {
						t.Errorf("%s has %s on %s, which %s lacks", name, n, abi, RuntimeSetFile(rt, false))
					}
				}
			}
		}
	}
}
