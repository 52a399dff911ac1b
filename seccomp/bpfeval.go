package seccomp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Classic BPF opcodes a seccomp filter uses (linux/bpf_common.h).
const (
	bpfClass = 0x07
	bpfLD    = 0x00
	bpfLDX   = 0x01
	bpfST    = 0x02
	bpfSTX   = 0x03
	bpfALU   = 0x04
	bpfJMP   = 0x05
	bpfRET   = 0x06
	bpfMISC  = 0x07

	bpfMode = 0xe0
	bpfIMM  = 0x00
	bpfABS  = 0x20
	bpfMEM  = 0x60
	bpfLEN  = 0x80

	bpfOp  = 0xf0
	bpfSrc = 0x08 // BPF_X when set, BPF_K otherwise
)

// seccompData is the kernel's struct seccomp_data.
type seccompData struct {
	nr   int32
	arch uint32
	ip   uint64
	args [6]uint64
}

func (d *seccompData) load(off uint32) (uint32, error) {
	var b [64]byte
	binary.NativeEndian.PutUint32(b[0:], uint32(d.nr))
	binary.NativeEndian.PutUint32(b[4:], d.arch)
	binary.NativeEndian.PutUint64(b[8:], d.ip)
	for i, a := range d.args {
		binary.NativeEndian.PutUint64(b[16+8*i:], a)
	}
	if off%4 != 0 || off+4 > uint32(len(b)) {
		return 0, fmt.Errorf("load at offset %d of seccomp_data", off)
	}
	return binary.NativeEndian.Uint32(b[off:]), nil
}

// bpfInsnSize is the size of one struct sock_filter entry.
const bpfInsnSize = 8

// bpfInsn is one struct sock_filter entry.
type bpfInsn struct {
	code   uint16
	jt, jf uint8
	k      uint32
}

// decodeBPFInsn reads the struct sock_filter entry at the start of b.
func decodeBPFInsn(b []byte) bpfInsn {
	return bpfInsn{
		code: binary.NativeEndian.Uint16(b[0:]),
		jt:   b[2],
		jf:   b[3],
		k:    binary.NativeEndian.Uint32(b[4:]),
	}
}

// bpfMachine is a running filter's state: the accumulator A, the index register X and the
// scratch memory M[].
type bpfMachine struct {
	a, x uint32
	mem  [16]uint32
}

// errBPFMemIndex is a load or store of a scratch memory word that does not exist.
var errBPFMemIndex = errors.New("scratch memory index out of range")

// evalBPF runs a seccomp filter (struct sock_filter entries, as libseccomp exports them) on
// one system call and returns the value it returns, the way the kernel would.
func evalBPF(prog []byte, d seccompData) (uint32, error) {
	if len(prog)%bpfInsnSize != 0 {
		return 0, errors.New("bad BPF program length")
	}
	n := len(prog) / bpfInsnSize
	var m bpfMachine
	for pc := 0; pc < n; pc++ {
		in := decodeBPFInsn(prog[pc*bpfInsnSize:])
		switch in.code & bpfClass {
		case bpfLD, bpfLDX:
			if err := m.load(in, &d); err != nil {
				return 0, err
			}
		case bpfST, bpfSTX:
			if err := m.store(in); err != nil {
				return 0, err
			}
		case bpfALU:
			if ok, err := m.alu(in); !ok || err != nil {
				return 0, err
			}
		case bpfJMP:
			skip, err := m.jump(in)
			if err != nil {
				return 0, err
			}
			pc += skip
		case bpfRET:
			return m.ret(in)
		case bpfMISC:
			m.misc(in)
		}
	}
	return 0, errors.New("the BPF program ran off its end")
}

// operand is the source operand of an ALU or jump instruction: X for BPF_X, else its k.
func (m *bpfMachine) operand(in bpfInsn) uint32 {
	if in.code&bpfSrc != 0 {
		return m.x
	}
	return in.k
}

// load runs BPF_LD (into A) or BPF_LDX (into X).
func (m *bpfMachine) load(in bpfInsn, d *seccompData) error {
	var v uint32
	switch in.code & bpfMode {
	case bpfIMM:
		v = in.k
	case bpfABS:
		var err error
		if v, err = d.load(in.k); err != nil {
			return err
		}
	case bpfMEM:
		if in.k >= uint32(len(m.mem)) {
			return errBPFMemIndex
		}
		v = m.mem[in.k]
	case bpfLEN:
		v = 64
	default:
		return fmt.Errorf("unsupported load 0x%x", in.code)
	}
	if in.code&bpfClass == bpfLD {
		m.a = v
	} else {
		m.x = v
	}
	return nil
}

// store runs BPF_ST (A into M[k]) or BPF_STX (X into M[k]).
func (m *bpfMachine) store(in bpfInsn) error {
	if in.k >= uint32(len(m.mem)) {
		return errBPFMemIndex
	}
	if in.code&bpfClass == bpfST {
		m.mem[in.k] = m.a
	} else {
		m.mem[in.k] = m.x
	}
	return nil
}

// alu runs one BPF_ALU instruction on A. It returns false when the instruction divides by
// zero: the kernel then ends the filter, which returns 0.
func (m *bpfMachine) alu(in bpfInsn) (bool, error) {
	src := m.operand(in)
	switch in.code & bpfOp {
	case 0x00:
		m.a += src
	case 0x10:
		m.a -= src
	case 0x20:
		m.a *= src
	case 0x30:
		if src == 0 {
			return false, nil
		}
		m.a /= src
	case 0x40:
		m.a |= src
	case 0x50:
		m.a &= src
	case 0x60:
		m.a <<= src
	case 0x70:
		m.a >>= src
	case 0x80:
		m.a = -m.a
	case 0x90:
		if src == 0 {
			return false, nil
		}
		m.a %= src
	case 0xa0:
		m.a ^= src
	default:
		return false, fmt.Errorf("unsupported ALU op 0x%x", in.code)
	}
	return true, nil
}

// jump runs one BPF_JMP instruction and returns how many instructions to skip after it.
func (m *bpfMachine) jump(in bpfInsn) (int, error) {
	src := m.operand(in)
	var cond bool
	switch in.code & bpfOp {
	case 0x00: // JA
		return int(in.k), nil
	case 0x10:
		cond = m.a == src
	case 0x20:
		cond = m.a > src
	case 0x30:
		cond = m.a >= src
	case 0x40:
		cond = m.a&src != 0
	default:
		return 0, fmt.Errorf("unsupported jump 0x%x", in.code)
	}
	if cond {
		return int(in.jt), nil
	}
	return int(in.jf), nil
}

// ret runs BPF_RET: the filter's result is k or A.
func (m *bpfMachine) ret(in bpfInsn) (uint32, error) {
	switch in.code & 0x18 {
	case 0x00: // K
		return in.k, nil
	case 0x10: // A
		return m.a, nil
	}
	return 0, fmt.Errorf("unsupported return 0x%x", in.code)
}

// misc runs BPF_MISC: TAX (X = A) or TXA (A = X).
func (m *bpfMachine) misc(in bpfInsn) {
	if in.code&0xf8 == 0x00 { // TAX
		m.x = m.a
	} else { // TXA
		m.a = m.x
	}
}

// Seccomp return actions (linux/seccomp.h), the high 16 bits of a filter's result.
const (
	retActionFull = 0xffff0000
	retAllow      = 0x7fff0000
	retLog        = 0x7ffc0000
)

// describeAction names a filter's result for a message.
func describeAction(ret uint32) string {
	switch act := ret & retActionFull; act {
	case 0x80000000:
		return "SCMP_ACT_KILL_PROCESS"
	case 0:
		return "SCMP_ACT_KILL"
	case 0x00030000:
		return "SCMP_ACT_TRAP"
	case 0x00050000:
		return fmt.Sprintf("SCMP_ACT_ERRNO(%d)", ret&0xffff)
	case 0x7fc00000:
		return "SCMP_ACT_NOTIFY"
	case 0x7ff00000:
		return "SCMP_ACT_TRACE (no tracer: ENOSYS)"
	default:
		return fmt.Sprintf("action 0x%08x", ret)
	}
}

// passes reports whether a filter's result lets the call run.
func passes(ret uint32) bool {
	act := ret & retActionFull
	return act == retAllow || act == retLog
}
