package profile

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/syscalls"
)

func mustParse(t *testing.T, s string) *specs.LinuxSeccomp {
	t.Helper()
	p, err := ParseSeccomp([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMergeSeccomp(t *testing.T) {
	tests := []struct {
		name    string
		inputs  []string
		want    string // MarshalSeccomp output with spaces and newlines removed
		wantErr string
	}{
		{
			name: "allow-lists unite; allowed names leave ENOSYS",
			inputs: []string{
				`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["clone3","openat2"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}`,
				`{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86"],"syscalls":[{"names":["clone3","write"],"action":"SCMP_ACT_ALLOW"}]}`,
			},
			want: `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86","SCMP_ARCH_X86_64"],"syscalls":[{"names":["clone3","read","write"],"action":"SCMP_ACT_ALLOW"},{"names":["openat2"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}`,
		},
		{
			name: "argument rules stay apart",
			inputs: []string{
				`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]}`,
				`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]}]}`,
			},
			want: `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]},{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]}]}`,
		},
		{
			name: "deny-lists intersect",
			inputs: []string{
				`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount","ptrace"],"action":"SCMP_ACT_ERRNO"}]}`,
				`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["bpf","mount"],"action":"SCMP_ACT_ERRNO"}]}`,
			},
			want: `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO"}]}`,
		},
		{
			name:    "different defaults",
			inputs:  []string{`{"defaultAction":"SCMP_ACT_ERRNO"}`, `{"defaultAction":"SCMP_ACT_LOG"}`},
			wantErr: "profile 2 has default action SCMP_ACT_LOG",
		},
		{
			name:    "different default errno",
			inputs:  []string{`{"defaultAction":"SCMP_ACT_ERRNO"}`, `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38}`},
			wantErr: "(errno 38)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ps []*specs.LinuxSeccomp
			for _, in := range tc.inputs {
				ps = append(ps, mustParse(t, in))
			}
			m, err := MergeSeccomp(ps)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := MarshalSeccomp(m)
			got := strings.NewReplacer(" ", "", "\n", "").Replace(string(b))
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestPermittedSetsAndDiff(t *testing.T) {
	allow := mustParse(t, `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[{"names":["read","newfstatat","mount"],"action":"SCMP_ACT_ALLOW"},{"names":["clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}`)
	sets := PermittedSets(allow)
	if !reflect.DeepEqual(sortedSet(sets[syscalls.X86_64], nil), []string{"mount", "newfstatat", "read"}) {
		t.Errorf("x86_64: %v", sets[syscalls.X86_64])
	}
	if sets[syscalls.X86]["newfstatat"] {
		t.Error("newfstatat is no x86 syscall but counted as permitted there")
	}
	deny := mustParse(t, `{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO"},{"names":["socket"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":16,"op":"SCMP_CMP_EQ"}]}]}`)
	ds := PermittedSets(deny)[syscalls.X86_64]
	if ds["mount"] || !ds["socket"] || !ds["read"] || len(ds) != len(syscalls.X86_64.Syscalls())-1 {
		t.Errorf("deny-list permits %d syscalls (mount %v, socket %v)", len(ds), ds["mount"], ds["socket"])
	}
	d := DiffSets(sets, PermittedSets(mustParse(t, `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read","bpf"],"action":"SCMP_ACT_ALLOW"}]}`)))
	if d.Added != 1 || d.Removed != 2+2 || !reflect.DeepEqual(d.DangerousAdded, []string{"bpf"}) {
		t.Errorf("diff: %+v", d)
	}
	if len(d.ABIs) != 2 || d.ABIs[0].ABI != syscalls.X86 || len(d.ABIs[0].Removed) != 2 {
		t.Errorf("per-ABI diff: %+v", d.ABIs)
	}
	if same := DiffSets(sets, sets); len(same.ABIs) != 0 || same.Added+same.Removed != 0 {
		t.Errorf("diff of a profile with itself: %+v", same)
	}
}
