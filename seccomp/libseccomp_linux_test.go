//go:build linux && cgo

package seccomp

import (
	"encoding/binary"
	"errors"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"golang.org/x/sys/unix"

	"github.com/profgen/profgen/syscalls"
)

// runBPF runs a libseccomp program on (arch, nr) without arguments the way the kernel would,
// and returns the action and the number of instructions it ran. It knows the instructions
// libseccomp emits for rules without argument conditions.
func runBPF(prog []byte, arch, nr uint32) (ret uint32, steps int, err error) {
	var acc uint32
	for pc := 0; pc < len(prog)/8; pc++ {
		steps++
		e := prog[8*pc:]
		code, jt, jf, k := binary.NativeEndian.Uint16(e), e[2], e[3], binary.NativeEndian.Uint32(e[4:])
		jump := func(cond bool) {
			if cond {
				pc += int(jt)
			} else {
				pc += int(jf)
			}
		}
		switch code {
		case 0x20: // ld w abs
			switch k {
			case 0:
				acc = nr
			case 4:
				acc = arch
			default:
				acc = 0 // instruction pointer and arguments: zero
			}
		case 0x15: // jeq k
			jump(acc == k)
		case 0x25: // jgt k
			jump(acc > k)
		case 0x35: // jge k
			jump(acc >= k)
		case 0x45: // jset k
			jump(acc&k != 0)
		case 0x05: // ja
			pc += int(k)
		case 0x06: // ret k
			return k, steps, nil
		default:
			return 0, steps, errors.New("unsupported instruction")
		}
	}
	return 0, steps, errors.New("program ran off its end")
}

// TestCompileOptimizesLongProfiles: a profile with many rules is compiled as a binary tree
// (SetOptimize(2), as runc does), which still allows exactly the listed syscalls and reaches
// any decision in a few steps rather than one compare per rule.
func TestCompileOptimizesLongProfiles(t *testing.T) {
	if _, err := LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	const retAllow, retErrno = 0x7fff0000, 0x00050000 | 1
	all := syscalls.X86_64.Syscalls()
	for _, n := range []int{8, 200} {
		p := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchX86_64}}
		rule := specs.LinuxSyscall{Action: specs.ActAllow}
		for _, s := range all[:n] {
			rule.Names = append(rule.Names, s.Name)
		}
		p.Syscalls = []specs.LinuxSyscall{rule}
		bpf, _, err := Compile(p, syscalls.X86_64)
		if err != nil {
			t.Fatal(err)
		}
		maxSteps := 0
		for i, s := range all {
			want := uint32(retErrno)
			if i < n {
				want = retAllow
			}
			got, steps, err := runBPF(bpf, syscalls.X86_64.AuditArch(), uint32(s.Nr))
			if err != nil {
				t.Fatalf("%d rules: %s: %v", n, s.Name, err)
			}
			if got != want {
				t.Errorf("%d rules: %s gives %#x, want %#x", n, s.Name, got, want)
			}
			maxSteps = max(maxSteps, steps)
		}
		t.Logf("%d rules: %d instructions, at most %d run", n, len(bpf)/8, maxSteps)
		if n > optimizeRules && maxSteps > 40 {
			t.Errorf("%d rules: a decision takes up to %d instructions: the filter is not a binary tree", n, maxSteps)
		}
	}
}

func TestFilterFlags(t *testing.T) {
	tests := []struct {
		flags []specs.LinuxSeccompFlag
		want  uint
		err   bool
	}{
		{nil, 0, false},
		{[]specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow}, unix.SECCOMP_FILTER_FLAG_LOG | unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, false},
		{[]specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC", specs.LinuxSeccompFlagWaitKillableRecv}, unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, false},
		{[]specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_NOPE"}, 0, true},
	}
	for _, tt := range tests {
		got, err := filterFlags(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: tt.flags})
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("filterFlags(%v) = %#x, %v; want %#x, error %v", tt.flags, got, err, tt.want, tt.err)
		}
	}
}
