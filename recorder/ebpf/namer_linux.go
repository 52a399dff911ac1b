//go:build linux && amd64

package ebpf

import (
	"encoding/binary"
	"fmt"

	"github.com/cilium/ebpf"
)

// symLen is SYM_LEN: the bytes of a name the naming program writes.
const symLen = 128

// programNamer names kernel addresses with the naming program (name_address), one BPF_PROG_RUN
// per distinct address: the kernel formats each as a backtrace entry. Reading /proc/kallsyms
// instead costs tens of milliseconds of CPU (the kernel formats its 200,000 lines) and
// megabytes of memory, for the few dozen addresses a recording's capability checks hold.
type programNamer struct {
	prog *ebpf.Program
}

func (n programNamer) resolve(addrs []uint64) (symbols, error) {
	out := symbols{}
	done := map[uint64]bool{}
	req := make([]byte, 8+symLen)
	for _, addr := range addrs {
		if addr == 0 || done[addr] {
			continue
		}
		done[addr] = true
		binary.LittleEndian.PutUint64(req, addr)
		clear(req[8:])
		ret, err := n.prog.Run(&ebpf.RunOptions{Context: req, ContextOut: req})
		if err != nil {
			return nil, fmt.Errorf("name kernel address %#x: %w", addr, err)
		}
		if ret != 0 {
			return nil, fmt.Errorf("name kernel address %#x: the naming program failed", addr)
		}
		if name := parseBacktraceName(req[8:]); name != "" {
			out[addr] = name
		}
	}
	return out, nil
}
