package ptrace

import "errors"

// evalFilter runs prog on (arch, nr) the way the kernel would; it supports the
// instructions buildFilter emits.
func evalFilter(prog []insn, arch, nr uint32) (uint32, error) {
	var acc uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.code {
		case bpfLdWAbs:
			switch in.k {
			case seccompDataNr:
				acc = nr
			case seccompDataArch:
				acc = arch
			default:
				return 0, errors.New("load outside nr and arch")
			}
		case bpfJeqK:
			if acc == in.k {
				pc += int(in.jt)
			} else {
				pc += int(in.jf)
			}
		case bpfJa:
			pc += int(in.k)
		case bpfRetK:
			return in.k, nil
		default:
			return 0, errors.New("unsupported instruction")
		}
	}
	return 0, errors.New("program ran off its end")
}
