package ebpf

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// capStackDepth is CAP_STACK_DEPTH: the kernel frames kept per capability check.
const capStackDepth = 12

// symbols names the functions holding a set of kernel addresses.
type symbols map[uint64]string

// kallsymsText is /proc/kallsyms read in the background (addresses are shown to root only):
// the kernel takes tens of milliseconds to write it, which then overlap the workload.
type kallsymsText struct {
	done chan struct{}
	data []byte
	err  error
}

func readKallsymsText() *kallsymsText {
	k := &kallsymsText{done: make(chan struct{})}
	go func() {
		defer close(k.done)
		k.data, k.err = os.ReadFile("/proc/kallsyms")
		if k.err != nil {
			k.err = fmt.Errorf("read the kernel symbols: %w", k.err)
		}
	}()
	return k
}

// resolve names the functions holding addrs, once the text is read.
func (k *kallsymsText) resolve(addrs []uint64) (symbols, error) {
	if k == nil {
		return nil, fmt.Errorf("the kernel symbols were not read")
	}
	<-k.done
	if k.err != nil {
		return nil, k.err
	}
	return parseKallsyms(k.data, addrs)
}

// parseKallsyms names the functions holding addrs from data, the text of /proc/kallsyms
// ("ADDRESS TYPE NAME [MODULE]" lines): for each address, the text symbol at or below it that
// is closest. It fails when every address is zero (hidden). One pass, no sort of the symbols:
// each symbol is offered to the lowest wanted address at or above it, and the best symbol then
// carries over to higher addresses that had none closer.
func parseKallsyms(data []byte, addrs []uint64) (symbols, error) {
	want := append([]uint64(nil), addrs...)
	sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
	best := make([]uint64, len(want))
	names := make([]string, len(want))
	seen := false
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		sp := bytes.IndexByte(line, ' ')
		if sp <= 0 || len(line) < sp+4 || line[sp+2] != ' ' {
			continue
		}
		if t := line[sp+1]; t != 't' && t != 'T' {
			continue
		}
		addr, err := strconv.ParseUint(string(line[:sp]), 16, 64)
		if err != nil || addr == 0 {
			continue
		}
		seen = true
		i := sort.Search(len(want), func(i int) bool { return want[i] >= addr })
		if i == len(want) || addr < best[i] {
			continue
		}
		name := line[sp+3:]
		if e := bytes.IndexAny(name, " \t"); e >= 0 {
			name = name[:e]
		}
		if len(name) == 0 {
			continue
		}
		best[i], names[i] = addr, string(name)
	}
	if !seen {
		return nil, fmt.Errorf("the kernel symbols have no addresses (kptr_restrict)")
	}
	out := symbols{}
	for i := range want {
		if i > 0 && best[i] < best[i-1] {
			best[i], names[i] = best[i-1], names[i-1]
		}
		if names[i] != "" {
			out[want[i]] = names[i]
		}
	}
	return out, nil
}

// name returns the function holding addr ("" if unknown), without the .cold, .isra or
// .constprop suffixes the compiler adds.
func (s symbols) name(addr uint64) string {
	name := s[addr]
	if dot := strings.IndexByte(name, '.'); dot > 0 {
		name = name[:dot]
	}
	return name
}

// caller returns the function that asked for the capability check whose kernel stack is frames
// (innermost first): the first frame past cap_capable and the capability code that calls it.
// Frames inside cap_capable (the BPF program, the tracepoint) are not looked at, so a program
// missing from the symbols read cannot be taken for the caller. It returns "" (unknown) when
// the stack has no cap_capable frame or the caller's frame is not named.
func (s symbols) caller(frames []uint64) string {
	for i, addr := range frames {
		if addr == 0 {
			break
		}
		if s.name(addr) == "cap_capable" {
			return s.callerPast(frames[i+1:])
		}
	}
	return ""
}

// callerPast returns the caller among frames that begin past cap_capable: the first that is
// not capability code ("" if that frame is not named, or there is none).
func (s symbols) callerPast(frames []uint64) string {
	for _, addr := range frames {
		if addr == 0 {
			break
		}
		switch name := s.name(addr); name {
		case "cap_capable", "cap_capable_helper", "security_capable", "ns_capable_common":
			continue
		default:
			return name
		}
	}
	return ""
}

// probeOnly says whether a capability check asked for by caller is made with CAP_OPT_NOAUDIT:
// the kernel probes whether the task has the capability (and would not audit a denial), it
// does not need it (ns_capable_noaudit, has_ns_capability_noaudit, has_capability_noaudit,
// and the memory accounting's CAP_SYS_ADMIN test in cap_vm_enough_memory on every mapping).
func probeOnly(caller string) bool {
	switch caller {
	case "ns_capable_noaudit", "has_ns_capability_noaudit", "has_capability_noaudit",
		"cap_vm_enough_memory", "security_vm_enough_memory_mm", "__vm_enough_memory":
		return true
	}
	return false
}

// addressNamer names kernel addresses: the naming program (namer_linux.go), or
// /proc/kallsyms (kallsymsText) on a kernel that does not load it.
type addressNamer interface {
	resolve(addrs []uint64) (symbols, error)
}

// parseBacktraceName returns the function in the kernel's backtrace form of an address
// ("function+0x1f/0x80", then " [module]" for a module's), "" when the kernel had no symbol
// for it (it then prints the address alone, "0xffffffff81000000").
func parseBacktraceName(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	plus := bytes.IndexByte(b, '+')
	if plus <= 0 {
		return ""
	}
	name := b[:plus]
	if bytes.ContainsAny(name, " \t\n/[]") {
		return ""
	}
	return string(name)
}
