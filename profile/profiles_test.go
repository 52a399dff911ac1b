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

func TestCheckSeccomp(t *testing.T) {
	if _, err := LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	rep, err := CheckSeccomp(mustParse(t, `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"],"syscalls":[{"names":["read","open","execve","exit","exit_group","rt_sigreturn","bpf"],"action":"SCMP_ACT_ALLOW"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 0 {
		t.Errorf("errors: %v", rep.Errors)
	}
	for _, a := range rep.Arches {
		if a.Instructions == 0 {
			t.Errorf("%s: no BPF compiled", a.ABI)
		}
		if a.ABI == syscalls.AARCH64 && !reflect.DeepEqual(a.UnknownToKernel, []string{"open"}) {
			t.Errorf("aarch64 has no open(2); reported unknown: %v", a.UnknownToKernel)
		}
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "bpf") {
		t.Errorf("warnings: %v", rep.Warnings)
	}
	rep, err = CheckSeccomp(mustParse(t, `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["execve","exit_group"],"action":"SCMP_ACT_KILL"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "execve, exit_group") {
		t.Errorf("a deny-list killing execve: errors %v", rep.Errors)
	}
}

func TestCompileSeccompBPFRuns(t *testing.T) {
	if _, err := LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	p := mustParse(t, `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"},{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]}]}`)
	one, _, err := CompileSeccomp(p, "")
	if err != nil {
		t.Fatal(err)
	}
	q := *p
	q.Syscalls = q.Syscalls[:1]
	fewer, _, err := CompileSeccomp(&q, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(one) <= len(fewer) || len(one)%8 != 0 {
		t.Errorf("BPF sizes: with socket rules %d, without %d", len(one), len(fewer))
	}
}
