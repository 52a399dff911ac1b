package seccomp

import (
	"bytes"
	"encoding/binary"
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

// bpfStmt and bpfJump assemble one struct sock_filter entry, as BPF_STMT and BPF_JUMP do.
func bpfStmt(code uint16, k uint32) []byte { return bpfJump(code, k, 0, 0) }

func bpfJump(code uint16, k uint32, jt, jf uint8) []byte {
	b := make([]byte, 8)
	binary.NativeEndian.PutUint16(b[0:], code)
	b[2], b[3] = jt, jf
	binary.NativeEndian.PutUint32(b[4:], k)
	return b
}

func bpfProg(insns ...[]byte) []byte { return bytes.Join(insns, nil) }

// TestEvalBPFInstructions runs hand-assembled programs through every instruction class the
// evaluator knows, and the errors it reports, with results worked out by hand.
func TestEvalBPFInstructions(t *testing.T) {
	const (
		ldW, ldImm, ldAbs, ldMem, ldLen = 0x00, 0x00, 0x20, 0x60, 0x80
		ldx                             = 0x01
		st, stx                         = 0x02, 0x03
		alu, aluX                       = 0x04, 0x0c
		ja, jeq, jgt, jge, jset, jmpX   = 0x05, 0x15, 0x25, 0x35, 0x45, 0x08
		retK, retA, retX                = 0x06, 0x16, 0x0e
		tax, txa                        = 0x07, 0x87
	)
	retOne := bpfStmt(retK, 1)
	retTwo := bpfStmt(retK, 2)
	d := seccompData{nr: 59, arch: 0xc000003e, ip: 0x1122334455667788, args: [6]uint64{7, 0xffffffff00000009}}
	lo, hi := 0, 4 // offsets of a 64-bit field's low and high words
	if binary.NativeEndian.Uint16([]byte{0, 1}) == 1 {
		lo, hi = 4, 0
	}
	aluCase := func(op uint16, a, k uint32) []byte {
		return bpfProg(bpfStmt(ldImm, a), bpfStmt(alu|op, k), bpfStmt(retA, 0))
	}
	aluXCase := func(op uint16, a, x uint32) []byte {
		return bpfProg(bpfStmt(ldImm, a), bpfStmt(ldx|ldImm, x), bpfStmt(aluX|op, 0), bpfStmt(retA, 0))
	}
	// jumpCase loads a, runs one conditional jump against k, and returns 1 if it was taken, 2 if not.
	jumpCase := func(code uint16, a, k uint32) []byte {
		return bpfProg(bpfStmt(ldImm, a), bpfJump(code, k, 1, 0), retTwo, retOne)
	}
	jumpXCase := func(code uint16, a, x uint32) []byte {
		return bpfProg(bpfStmt(ldImm, a), bpfStmt(ldx|ldImm, x), bpfJump(code|jmpX, 0, 1, 0), retTwo, retOne)
	}
	for _, tc := range []struct {
		name    string
		prog    []byte
		want    uint32
		wantErr string
	}{
		{"ret k", bpfProg(bpfStmt(retK, 0x7fff0000)), 0x7fff0000, ""},
		{"ld imm, ret a", bpfProg(bpfStmt(ldW|ldImm, 42), bpfStmt(retA, 0)), 42, ""},
		{"ld nr", bpfProg(bpfStmt(ldAbs, 0), bpfStmt(retA, 0)), 59, ""},
		{"ld arch", bpfProg(bpfStmt(ldAbs, 4), bpfStmt(retA, 0)), 0xc000003e, ""},
		{"ld ip low", bpfProg(bpfStmt(ldAbs, uint32(8+lo)), bpfStmt(retA, 0)), 0x55667788, ""},
		{"ld ip high", bpfProg(bpfStmt(ldAbs, uint32(8+hi)), bpfStmt(retA, 0)), 0x11223344, ""},
		{"ld arg0 low", bpfProg(bpfStmt(ldAbs, uint32(16+lo)), bpfStmt(retA, 0)), 7, ""},
		{"ld arg1 low", bpfProg(bpfStmt(ldAbs, uint32(24+lo)), bpfStmt(retA, 0)), 9, ""},
		{"ld arg1 high", bpfProg(bpfStmt(ldAbs, uint32(24+hi)), bpfStmt(retA, 0)), 0xffffffff, ""},
		{"ld arg5 high", bpfProg(bpfStmt(ldAbs, 60), bpfStmt(retA, 0)), 0, ""},
		{"ld misaligned", bpfProg(bpfStmt(ldAbs, 2), bpfStmt(retA, 0)), 0, "load at offset 2 of seccomp_data"},
		{"ld past the end", bpfProg(bpfStmt(ldAbs, 64), bpfStmt(retA, 0)), 0, "load at offset 64 of seccomp_data"},
		{"ldx abs, txa", bpfProg(bpfStmt(ldx|ldAbs, 0), bpfStmt(txa, 0), bpfStmt(retA, 0)), 59, ""},
		{"ld len", bpfProg(bpfStmt(ldLen, 0), bpfStmt(retA, 0)), 64, ""},
		{"ldx len, ret x is not supported", bpfProg(bpfStmt(ldx|ldLen, 0), bpfStmt(retX, 0)), 0, "unsupported return 0xe"},
		{"ldx len, txa", bpfProg(bpfStmt(ldx|ldLen, 0), bpfStmt(txa, 0), bpfStmt(retA, 0)), 64, ""},
		{"ld ind is not supported", bpfProg(bpfStmt(0x40, 0), retOne), 0, "unsupported load 0x40"},
		{"ldx msh is not supported", bpfProg(bpfStmt(ldx|0xa0, 0), retOne), 0, "unsupported load 0xa1"},
		{"st, ld mem", bpfProg(bpfStmt(ldImm, 5), bpfStmt(st, 3), bpfStmt(ldImm, 0), bpfStmt(ldMem, 3), bpfStmt(retA, 0)), 5, ""},
		{"stx, ld mem", bpfProg(bpfStmt(ldx|ldImm, 6), bpfStmt(stx, 15), bpfStmt(ldMem, 15), bpfStmt(retA, 0)), 6, ""},
		{"st, ldx mem, txa", bpfProg(bpfStmt(ldImm, 8), bpfStmt(st, 0), bpfStmt(ldImm, 0), bpfStmt(ldx|ldMem, 0), bpfStmt(txa, 0), bpfStmt(retA, 0)), 8, ""},
		{"mem starts zeroed", bpfProg(bpfStmt(ldImm, 1), bpfStmt(ldMem, 7), bpfStmt(retA, 0)), 0, ""},
		{"ld mem out of range", bpfProg(bpfStmt(ldMem, 16), retOne), 0, "scratch memory index out of range"},
		{"ldx mem out of range", bpfProg(bpfStmt(ldx|ldMem, 16), retOne), 0, "scratch memory index out of range"},
		{"st out of range", bpfProg(bpfStmt(st, 16), retOne), 0, "scratch memory index out of range"},
		{"stx out of range", bpfProg(bpfStmt(stx, 16), retOne), 0, "scratch memory index out of range"},
		{"add", aluCase(0x00, 40, 2), 42, ""},
		{"add wraps", aluCase(0x00, 0xffffffff, 2), 1, ""},
		{"sub", aluCase(0x10, 40, 2), 38, ""},
		{"mul", aluCase(0x20, 6, 7), 42, ""},
		{"div", aluCase(0x30, 85, 2), 42, ""},
		{"div by zero returns 0", aluCase(0x30, 85, 0), 0, ""},
		{"or", aluCase(0x40, 0xf0, 0x3c), 0xfc, ""},
		{"and", aluCase(0x50, 0xf0, 0x3c), 0x30, ""},
		{"lsh", aluCase(0x60, 1, 4), 16, ""},
		{"rsh", aluCase(0x70, 0x80000000, 31), 1, ""},
		{"neg", aluCase(0x80, 1, 99), 0xffffffff, ""},
		{"mod", aluCase(0x90, 47, 5), 2, ""},
		{"mod by zero returns 0", aluCase(0x90, 47, 0), 0, ""},
		{"xor", aluCase(0xa0, 0xff, 0x0f), 0xf0, ""},
		{"unsupported alu", aluCase(0xb0, 1, 1), 0, "unsupported ALU op 0xb4"},
		{"add x", aluXCase(0x00, 40, 2), 42, ""},
		{"sub x", aluXCase(0x10, 40, 2), 38, ""},
		{"div x", aluXCase(0x30, 85, 2), 42, ""},
		{"div x by zero returns 0", aluXCase(0x30, 85, 0), 0, ""},
		{"mod x by zero returns 0", aluXCase(0x90, 85, 0), 0, ""},
		{"and x", aluXCase(0x50, 0xf0, 0x3c), 0x30, ""},
		{"tax, then x is kept", bpfProg(bpfStmt(ldImm, 9), bpfStmt(tax, 0), bpfStmt(ldImm, 1), bpfStmt(txa, 0), bpfStmt(retA, 0)), 9, ""},
		{"ja", bpfProg(bpfStmt(ja, 1), retTwo, retOne), 1, ""},
		{"ja ignores jt and jf", bpfProg(bpfJump(ja, 0, 1, 1), retTwo, retOne), 2, ""},
		{"jeq taken", jumpCase(jeq, 5, 5), 1, ""},
		{"jeq not taken", jumpCase(jeq, 5, 6), 2, ""},
		{"jgt taken", jumpCase(jgt, 6, 5), 1, ""},
		{"jgt not taken on equal", jumpCase(jgt, 5, 5), 2, ""},
		{"jge taken on equal", jumpCase(jge, 5, 5), 1, ""},
		{"jge not taken", jumpCase(jge, 4, 5), 2, ""},
		{"jset taken", jumpCase(jset, 6, 2), 1, ""},
		{"jset not taken", jumpCase(jset, 6, 1), 2, ""},
		{"jeq x taken", jumpXCase(jeq, 5, 5), 1, ""},
		{"jgt x not taken", jumpXCase(jgt, 5, 6), 2, ""},
		{"jf used when false", bpfProg(bpfStmt(ldImm, 1), bpfJump(jeq, 0, 0, 1), retTwo, retOne), 1, ""},
		{"unsupported jump", bpfProg(bpfJump(0x55, 0, 0, 0), retOne), 0, "unsupported jump 0x55"},
		{"jump past the end", bpfProg(bpfJump(jeq, 0, 5, 5), retOne), 0, "the BPF program ran off its end"},
		{"ran off its end", bpfProg(bpfStmt(ldImm, 1)), 0, "the BPF program ran off its end"},
		{"empty", nil, 0, "the BPF program ran off its end"},
		{"bad length", []byte{6, 0, 0, 0, 1, 0, 0}, 0, "bad BPF program length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := evalBPF(tc.prog, d)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("evalBPF = %#x, %v; want error %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("evalBPF = %#x, %v; want %#x", got, err, tc.want)
			}
		})
	}
}
