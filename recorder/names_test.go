package recorder

import (
	"bytes"
	"strings"
	"testing"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/seccomp"
	"github.com/profgen/profgen/syscalls"
)

// TestEveryTableNameRecordsGeneratesAndChecks takes every syscall of every ABI's table, by
// number, through the aggregator, the recording file, an allow-list profile, the profile file
// and check: no name of the kernel's tables (_llseek, _newselect, _sysctl ...) may be refused
// on the way, and each must end up permitted on its ABI.
func TestEveryTableNameRecordsGeneratesAndChecks(t *testing.T) {
	for _, abi := range syscalls.ABIs() {
		if !abi.HasTable() {
			continue
		}
		t.Run(string(abi), func(t *testing.T) {
			a := NewAggregator(profile.NewRecording("test", "test"))
			a.ProcessInfo = func(pid int) profile.Process { return profile.Process{PID: pid, Comm: "p"} }
			table := abi.Syscalls()
			for _, s := range table {
				a.Syscall(Event{PID: 1, ABI: abi, Nr: s.Nr})
			}
			var buf bytes.Buffer
			if _, err := a.Finish().WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			rec, err := profile.ParseRecording(buf.Bytes())
			if err != nil {
				t.Fatalf("read the recording back: %v", err)
			}
			p, err := profile.GenerateSeccomp(rec, profile.SeccompOptions{})
			if err != nil {
				t.Fatalf("generate: %v", err)
			}
			data, err := profile.MarshalSeccomp(p)
			if err != nil {
				t.Fatal(err)
			}
			p, err = profile.ParseSeccomp(data)
			if err != nil {
				t.Fatalf("read the profile back: %v", err)
			}
			rep, err := seccomp.Check(p)
			if err != nil {
				t.Fatalf("check: %v", err)
			}
			if len(rep.Errors) > 0 {
				t.Errorf("check errors: %s", strings.Join(rep.Errors, "; "))
			}
			permitted := profile.PermittedSets(p)[abi]
			for _, s := range table {
				if !permitted[s.Name] {
					t.Errorf("%s (%d) is not permitted by the profile made from its recording", s.Name, s.Nr)
				}
			}
		})
	}
}
