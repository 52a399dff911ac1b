package ptrace

import (
	"encoding/binary"
	"errors"
	"sort"
)

// Classic BPF opcodes and seccomp constants (linux/filter.h, linux/seccomp.h); they are the
// same on every architecture, so the filter is built without depending on the host.
const (
	bpfLdWAbs = 0x20 // BPF_LD | BPF_W | BPF_ABS
	bpfJeqK   = 0x15 // BPF_JMP | BPF_JEQ | BPF_K
	bpfJa     = 0x05 // BPF_JMP | BPF_JA
	bpfRetK   = 0x06 // BPF_RET | BPF_K

	seccompRetTrace = 0x7ff00000
	seccompRetAllow = 0x7fff0000

	seccompDataNr   = 0 // offsetof(struct seccomp_data, nr)
	seccompDataArch = 4 // offsetof(struct seccomp_data, arch)

	bpfMaxInsns = 4096 // BPF_MAXINSNS
)

// errFilterTooLarge is returned when a baseline has more syscalls than one filter can hold.
var errFilterTooLarge = errors.New("baseline too large for one seccomp filter")

// insn is one classic BPF instruction (struct sock_filter).
type insn struct {
	code   uint16
	jt, jf uint8
	k      uint32
}

// buildFilter returns the seccomp program the helper installs: SECCOMP_RET_ALLOW for the
// syscall numbers in allow (per audit arch), SECCOMP_RET_TRACE for everything else. With no
// allowed syscalls it is the single instruction "return TRACE".
func buildFilter(allow map[uint32][]uint32) ([]insn, error) {
	arches := make([]uint32, 0, len(allow))
	for a, nrs := range allow {
		if len(nrs) > 0 {
			arches = append(arches, a)
		}
	}
	sort.Slice(arches, func(i, j int) bool { return arches[i] < arches[j] })
	var prog []insn
	if len(arches) > 0 {
		prog = append(prog, insn{code: bpfLdWAbs, k: seccompDataArch})
	}
	for _, arch := range arches {
		nrs := append([]uint32(nil), allow[arch]...)
		sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
		nrs = dedup(nrs)
		// if arch != this one, jump over this block (its length: load nr, two per number,
		// reload arch).
		block := uint32(1 + 2*len(nrs) + 1)
		prog = append(prog,
			insn{code: bpfJeqK, jt: 1, jf: 0, k: arch},
			insn{code: bpfJa, k: block},
			insn{code: bpfLdWAbs, k: seccompDataNr})
		for _, nr := range nrs {
			prog = append(prog,
				insn{code: bpfJeqK, jt: 0, jf: 1, k: nr},
				insn{code: bpfRetK, k: seccompRetAllow})
		}
		prog = append(prog, insn{code: bpfLdWAbs, k: seccompDataArch})
	}
	prog = append(prog, insn{code: bpfRetK, k: seccompRetTrace})
	if len(prog) > bpfMaxInsns {
		return nil, errFilterTooLarge
	}
	return prog, nil
}

func dedup(s []uint32) []uint32 {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// encodeFilter serialises a program as struct sock_filter entries in host byte order, the
// form the helper reads from its pipe and hands to seccomp(2).
func encodeFilter(prog []insn) []byte {
	b := make([]byte, 0, 8*len(prog))
	for _, in := range prog {
		b = binary.NativeEndian.AppendUint16(b, in.code)
		b = append(b, in.jt, in.jf)
		b = binary.NativeEndian.AppendUint32(b, in.k)
	}
	return b
}

// decodeFilter is encodeFilter's inverse.
func decodeFilter(b []byte) ([]insn, error) {
	if len(b) == 0 || len(b)%8 != 0 || len(b)/8 > bpfMaxInsns {
		return nil, errors.New("bad seccomp filter length")
	}
	prog := make([]insn, len(b)/8)
	for i := range prog {
		e := b[8*i:]
		prog[i] = insn{code: binary.NativeEndian.Uint16(e), jt: e[2], jf: e[3], k: binary.NativeEndian.Uint32(e[4:])}
	}
	return prog, nil
}
