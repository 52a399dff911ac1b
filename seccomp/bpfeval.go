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

// evalBPF runs a seccomp filter (struct sock_filter entries, as libseccomp exports them) on
// one system call and returns the value it returns, the way the kernel would.
func evalBPF(prog []byte, d seccompData) (uint32, error) {
	const size = 8
	if len(prog)%size != 0 {
		return 0, errors.New("bad BPF program length")
	}
	n := len(prog) / size
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < n; pc++ {
		in := prog[pc*size:]
		code := binary.NativeEndian.Uint16(in[0:])
		jt, jf := int(in[2]), int(in[3])
		k := binary.NativeEndian.Uint32(in[4:])
		src := k
		if code&bpfSrc != 0 {
			src = x
		}
		switch code & bpfClass {
		case bpfLD, bpfLDX:
			var v uint32
			switch code & bpfMode {
			case bpfIMM:
				v = k
			case bpfABS:
				var err error
				if v, err = d.load(k); err != nil {
					return 0, err
				}
			case bpfMEM:
				if k >= 16 {
					return 0, errors.New("scratch memory index out of range")
				}
				v = mem[k]
			case bpfLEN:
				v = 64
			default:
				return 0, fmt.Errorf("unsupported load 0x%x", code)
			}
			if code&bpfClass == bpfLD {
				a = v
			} else {
				x = v
			}
		case bpfST, bpfSTX:
			if k >= 16 {
				return 0, errors.New("scratch memory index out of range")
			}
			if code&bpfClass == bpfST {
				mem[k] = a
			} else {
				mem[k] = x
			}
		case bpfALU:
			switch code & bpfOp {
			case 0x00:
				a += src
			case 0x10:
				a -= src
			case 0x20:
				a *= src
			case 0x30:
				if src == 0 {
					return 0, nil
				}
				a /= src
			case 0x40:
				a |= src
			case 0x50:
				a &= src
			case 0x60:
				a <<= src
			case 0x70:
				a >>= src
			case 0x80:
				a = -a
			case 0x90:
				if src == 0 {
					return 0, nil
				}
				a %= src
			case 0xa0:
				a ^= src
			default:
				return 0, fmt.Errorf("unsupported ALU op 0x%x", code)
			}
		case bpfJMP:
			var cond bool
			switch code & bpfOp {
			case 0x00: // JA
				pc += int(k)
				continue
			case 0x10:
				cond = a == src
			case 0x20:
				cond = a > src
			case 0x30:
				cond = a >= src
			case 0x40:
				cond = a&src != 0
			default:
				return 0, fmt.Errorf("unsupported jump 0x%x", code)
			}
			if cond {
				pc += jt
			} else {
				pc += jf
			}
		case bpfRET:
			switch code & 0x18 {
			case 0x00: // K
				return k, nil
			case 0x10: // A
				return a, nil
			}
			return 0, fmt.Errorf("unsupported return 0x%x", code)
		case bpfMISC:
			if code&0xf8 == 0x00 { // TAX
				x = a
			} else { // TXA
				a = x
			}
		}
	}
	return 0, errors.New("the BPF program ran off its end")
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
