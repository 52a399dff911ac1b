package testutil

import (
	"strings"
	"testing"

	"github.com/profgen/profgen/syscalls"
)

func TestParseStraceSummary(t *testing.T) {
	in := `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 60.00    0.000060          60         1           execve
 40.00    0.000040          20         2         1 openat
------ ----------- ----------- --------- --------- ----------------
100.00    0.000100          33         3         1 total
System call usage summary for 32 bit mode:
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
  0.00    0.000000           0         5           brk
------ ----------- ----------- --------- --------- ----------------
100.00    0.000000           0         5           total
System call usage summary for x32 mode:
  0.00    0.000000           0         1         1 getpid
`
	got, err := ParseStraceSummary(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[syscalls.ABI]map[string]uint64{
		syscalls.Native(): {"execve": 1, "openat": 2},
		syscalls.X86:      {"brk": 5},
		syscalls.X32:      {"getpid": 1},
	}
	for abi, m := range want {
		for name, n := range m {
			if got[abi][name] != n {
				t.Errorf("%s %s: got %d, want %d", abi, name, got[abi][name], n)
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("got ABIs %v", got)
	}
}
