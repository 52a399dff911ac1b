package seccomp

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

func mustParse(t *testing.T, s string) *specs.LinuxSeccomp {
	t.Helper()
	p, err := profile.ParseSeccomp([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheck(t *testing.T) {
	if _, err := LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	rep, err := Check(mustParse(t, `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"],"syscalls":[{"names":["read","open","execve","exit","exit_group","rt_sigreturn","bpf"],"action":"SCMP_ACT_ALLOW"}]}`))
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
	if len(rep.Warnings) != 2 || !strings.Contains(rep.Warnings[0], "no container runtime profgen knows can start a container under this profile") ||
		!strings.Contains(rep.Warnings[0], "runc lacks capget capset") || !strings.Contains(rep.Warnings[1], "bpf") {
		t.Errorf("warnings: %v", rep.Warnings)
	}
	rep, err = Check(mustParse(t, `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["execve","exit_group"],"action":"SCMP_ACT_KILL"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "execve, exit_group") {
		t.Errorf("a deny-list killing execve: errors %v", rep.Errors)
	}
}

func TestCompileBPFRuns(t *testing.T) {
	if _, err := LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	p := mustParse(t, `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},{"names":["socket"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"},{"index":0,"value":2,"op":"SCMP_CMP_EQ"}]}]}`)
	one, _, err := Compile(p, "")
	if err != nil {
		t.Fatal(err)
	}
	q := *p
	q.Syscalls = q.Syscalls[:1]
	fewer, _, err := Compile(&q, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(one) <= len(fewer) || len(one)%8 != 0 {
		t.Errorf("BPF sizes: with socket rules %d, without %d", len(one), len(fewer))
	}
}
