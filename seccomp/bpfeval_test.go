package seccomp

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// TestEvalBPFAgreesWithProfile compiles profiles with libseccomp (both tree forms: few rules
// and more than 32) and checks the evaluator's answer for each syscall against the profile.
func TestEvalBPFAgreesWithProfile(t *testing.T) {
	if _, err := LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	abi := syscalls.Native()
	many := []string{"read", "write", "close", "execve", "exit_group", "openat", "mmap", "brk"}
	for _, sc := range abi.Syscalls() {
		if len(many) >= 60 {
			break
		}
		if sc.Name != "exit" && sc.Name != "futex" && profile.ValidSyscallName(sc.Name) {
			many = append(many, sc.Name)
		}
	}
	for _, allowed := range [][]string{{"read", "execve"}, many} {
		p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.Arch(abi.SCMPArch())},
			Syscalls: []specs.LinuxSyscall{{Names: dedupe(allowed), Action: specs.ActAllow}}}
		if err := profile.ValidateSeccomp(p); err != nil {
			t.Fatal(err)
		}
		bpf, _, err := Compile(p, "")
		if err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		for _, n := range allowed {
			set[n] = true
		}
		for _, n := range []string{"read", "execve", "exit_group", "exit", "futex", "write"} {
			nr, err := abi.Number(n)
			if err != nil {
				t.Fatal(err)
			}
			ret, err := evalBPF(bpf, seccompData{nr: int32(nr), arch: abi.AuditArch()})
			if err != nil {
				t.Fatal(err)
			}
			if passes(ret) != set[n] {
				t.Errorf("%d rules: %s evaluates to %s, allowed %v", len(allowed), n, describeAction(ret), set[n])
			}
		}
		// Another architecture's calls are killed by libseccomp's arch check.
		if ret, _ := evalBPF(bpf, seccompData{nr: 0, arch: 0x12345678}); passes(ret) {
			t.Error("a foreign architecture passes")
		}
	}
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
