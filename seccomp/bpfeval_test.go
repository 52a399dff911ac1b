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

// Opcodes of the hand-assembled programs below (linux/filter.h, linux/bpf_common.h).
const (
	opLdImm, opLdAbs, opLdMem, opLdLen           = 0x00, 0x20, 0x60, 0x80
	opLdx                                        = 0x01 // | a load mode
	opSt, opStx                                  = 0x02, 0x03
	opAlu, opAluX                                = 0x04, 0x0c // | an ALU op
	opJa, opJeq, opJgt, opJge, opJset, opJmpSrcX = 0x05, 0x15, 0x25, 0x35, 0x45, 0x08
	opRetK, opRetA, opRetX                       = 0x06, 0x16, 0x0e
	opTax, opTxa                                 = 0x07, 0x87
)

var (
	retOne = bpfStmt(opRetK, 1)
	retTwo = bpfStmt(opRetK, 2)
	retA   = bpfStmt(opRetA, 0)
)

// evalBPFCase is a hand-assembled program and what evalBPF returns for it on evalBPFData.
type evalBPFCase struct {
	name    string
	prog    []byte
	want    uint32
	wantErr string
}

var evalBPFData = seccompData{nr: 59, arch: 0xc000003e, ip: 0x1122334455667788, args: [6]uint64{7, 0xffffffff00000009}}

func runEvalBPFCases(t *testing.T, cases []evalBPFCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := evalBPF(tc.prog, evalBPFData)
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

// TestEvalBPFLoadStore runs each load mode into A and X, the stores to scratch memory, and
// the errors of each, with results worked out by hand.
func TestEvalBPFLoadStore(t *testing.T) {
	lo, hi := 0, 4 // offsets of a 64-bit field's low and high words
	if binary.NativeEndian.Uint16([]byte{0, 1}) == 1 {
		lo, hi = 4, 0
	}
	ld := func(k int) []byte { return bpfStmt(opLdAbs, uint32(k)) }
	runEvalBPFCases(t, []evalBPFCase{
		{"ret k", bpfProg(bpfStmt(opRetK, 0x7fff0000)), 0x7fff0000, ""},
		{"ld imm, ret a", bpfProg(bpfStmt(opLdImm, 42), retA), 42, ""},
		{"ld nr", bpfProg(ld(0), retA), 59, ""},
		{"ld arch", bpfProg(ld(4), retA), 0xc000003e, ""},
		{"ld ip low", bpfProg(ld(8+lo), retA), 0x55667788, ""},
		{"ld ip high", bpfProg(ld(8+hi), retA), 0x11223344, ""},
		{"ld arg0 low", bpfProg(ld(16+lo), retA), 7, ""},
		{"ld arg1 low", bpfProg(ld(24+lo), retA), 9, ""},
		{"ld arg1 high", bpfProg(ld(24+hi), retA), 0xffffffff, ""},
		{"ld arg5 high", bpfProg(ld(60), retA), 0, ""},
		{"ld misaligned", bpfProg(ld(2), retA), 0, "load at offset 2 of seccomp_data"},
		{"ld past the end", bpfProg(ld(64), retA), 0, "load at offset 64 of seccomp_data"},
		{"ldx abs, txa", bpfProg(bpfStmt(opLdx|opLdAbs, 0), bpfStmt(opTxa, 0), retA), 59, ""},
		{"ld len", bpfProg(bpfStmt(opLdLen, 0), retA), 64, ""},
		{"ldx len, txa", bpfProg(bpfStmt(opLdx|opLdLen, 0), bpfStmt(opTxa, 0), retA), 64, ""},
		{"ld ind is not supported", bpfProg(bpfStmt(0x40, 0), retOne), 0, "unsupported load 0x40"},
		{"ldx msh is not supported", bpfProg(bpfStmt(opLdx|0xa0, 0), retOne), 0, "unsupported load 0xa1"},
		{"st, ld mem", bpfProg(bpfStmt(opLdImm, 5), bpfStmt(opSt, 3), bpfStmt(opLdImm, 0), bpfStmt(opLdMem, 3), retA), 5, ""},
		{"stx, ld mem", bpfProg(bpfStmt(opLdx|opLdImm, 6), bpfStmt(opStx, 15), bpfStmt(opLdMem, 15), retA), 6, ""},
		{"st, ldx mem, txa", bpfProg(bpfStmt(opLdImm, 8), bpfStmt(opSt, 0), bpfStmt(opLdImm, 0), bpfStmt(opLdx|opLdMem, 0), bpfStmt(opTxa, 0), retA), 8, ""},
		{"mem starts zeroed", bpfProg(bpfStmt(opLdImm, 1), bpfStmt(opLdMem, 7), retA), 0, ""},
		{"ld mem out of range", bpfProg(bpfStmt(opLdMem, 16), retOne), 0, "scratch memory index out of range"},
		{"ldx mem out of range", bpfProg(bpfStmt(opLdx|opLdMem, 16), retOne), 0, "scratch memory index out of range"},
		{"st out of range", bpfProg(bpfStmt(opSt, 16), retOne), 0, "scratch memory index out of range"},
		{"stx out of range", bpfProg(bpfStmt(opStx, 16), retOne), 0, "scratch memory index out of range"},
	})
}

// TestEvalBPFALU runs each ALU operation with k and with X, division by zero (which ends
// the filter with 0, as the kernel does), and TAX/TXA.
func TestEvalBPFALU(t *testing.T) {
	aluK := func(op uint16, a, k uint32) []byte {
		return bpfProg(bpfStmt(opLdImm, a), bpfStmt(opAlu|op, k), retA)
	}
	aluX := func(op uint16, a, x uint32) []byte {
		return bpfProg(bpfStmt(opLdImm, a), bpfStmt(opLdx|opLdImm, x), bpfStmt(opAluX|op, 0), retA)
	}
	runEvalBPFCases(t, []evalBPFCase{
		{"add", aluK(0x00, 40, 2), 42, ""},
		{"add wraps", aluK(0x00, 0xffffffff, 2), 1, ""},
		{"sub", aluK(0x10, 40, 2), 38, ""},
		{"mul", aluK(0x20, 6, 7), 42, ""},
		{"div", aluK(0x30, 85, 2), 42, ""},
		{"div by zero returns 0", aluK(0x30, 85, 0), 0, ""},
		{"or", aluK(0x40, 0xf0, 0x3c), 0xfc, ""},
		{"and", aluK(0x50, 0xf0, 0x3c), 0x30, ""},
		{"lsh", aluK(0x60, 1, 4), 16, ""},
		{"rsh", aluK(0x70, 0x80000000, 31), 1, ""},
		{"neg", aluK(0x80, 1, 99), 0xffffffff, ""},
		{"mod", aluK(0x90, 47, 5), 2, ""},
		{"mod by zero returns 0", aluK(0x90, 47, 0), 0, ""},
		{"xor", aluK(0xa0, 0xff, 0x0f), 0xf0, ""},
		{"unsupported alu", aluK(0xb0, 1, 1), 0, "unsupported ALU op 0xb4"},
		{"add x", aluX(0x00, 40, 2), 42, ""},
		{"sub x", aluX(0x10, 40, 2), 38, ""},
		{"div x", aluX(0x30, 85, 2), 42, ""},
		{"div x by zero returns 0", aluX(0x30, 85, 0), 0, ""},
		{"mod x by zero returns 0", aluX(0x90, 85, 0), 0, ""},
		{"and x", aluX(0x50, 0xf0, 0x3c), 0x30, ""},
		{"tax, then x is kept", bpfProg(bpfStmt(opLdImm, 9), bpfStmt(opTax, 0), bpfStmt(opLdImm, 1), bpfStmt(opTxa, 0), retA), 9, ""},
	})
}

// TestEvalBPFJumps runs each jump with k and with X, the returns, and programs that end
// without one.
func TestEvalBPFJumps(t *testing.T) {
	// jumpK loads a, runs one conditional jump against k, and returns 1 if it was taken, 2 if not.
	jumpK := func(code uint16, a, k uint32) []byte {
		return bpfProg(bpfStmt(opLdImm, a), bpfJump(code, k, 1, 0), retTwo, retOne)
	}
	jumpX := func(code uint16, a, x uint32) []byte {
		return bpfProg(bpfStmt(opLdImm, a), bpfStmt(opLdx|opLdImm, x), bpfJump(code|opJmpSrcX, 0, 1, 0), retTwo, retOne)
	}
	runEvalBPFCases(t, []evalBPFCase{
		{"ja", bpfProg(bpfStmt(opJa, 1), retTwo, retOne), 1, ""},
		{"ja ignores jt and jf", bpfProg(bpfJump(opJa, 0, 1, 1), retTwo, retOne), 2, ""},
		{"jeq taken", jumpK(opJeq, 5, 5), 1, ""},
		{"jeq not taken", jumpK(opJeq, 5, 6), 2, ""},
		{"jgt taken", jumpK(opJgt, 6, 5), 1, ""},
		{"jgt not taken on equal", jumpK(opJgt, 5, 5), 2, ""},
		{"jge taken on equal", jumpK(opJge, 5, 5), 1, ""},
		{"jge not taken", jumpK(opJge, 4, 5), 2, ""},
		{"jset taken", jumpK(opJset, 6, 2), 1, ""},
		{"jset not taken", jumpK(opJset, 6, 1), 2, ""},
		{"jeq x taken", jumpX(opJeq, 5, 5), 1, ""},
		{"jgt x not taken", jumpX(opJgt, 5, 6), 2, ""},
		{"jf used when false", bpfProg(bpfStmt(opLdImm, 1), bpfJump(opJeq, 0, 0, 1), retTwo, retOne), 1, ""},
		{"unsupported jump", bpfProg(bpfJump(0x55, 0, 0, 0), retOne), 0, "unsupported jump 0x55"},
		{"ret x is not supported", bpfProg(bpfStmt(opLdx|opLdLen, 0), bpfStmt(opRetX, 0)), 0, "unsupported return 0xe"},
		{"jump past the end", bpfProg(bpfJump(opJeq, 0, 5, 5), retOne), 0, "the BPF program ran off its end"},
		{"ran off its end", bpfProg(bpfStmt(opLdImm, 1)), 0, "the BPF program ran off its end"},
		{"empty", nil, 0, "the BPF program ran off its end"},
		{"bad length", []byte{6, 0, 0, 0, 1, 0, 0}, 0, "bad BPF program length"},
	})
}
