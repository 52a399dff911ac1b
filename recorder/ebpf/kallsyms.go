package ebpf

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// capStackDepth is CAP_STACK_DEPTH: the kernel frames kept per capability check.
const capStackDepth = 12

// kallsyms are the kernel's function symbols, sorted by address.
type kallsyms struct {
	addrs []uint64
	names []string
}

// readKallsyms reads /proc/kallsyms (addresses are shown to root only).
func readKallsyms() (*kallsyms, error) {
	data, err := os.ReadFile("/proc/kallsyms")
	if err != nil {
		return nil, fmt.Errorf("read the kernel symbols: %w", err)
	}
	ks, err := parseKallsyms(data)
	if err != nil {
		return nil, err
	}
	return ks, nil
}

// parseKallsyms parses the text of /proc/kallsyms: "ADDRESS TYPE NAME [MODULE]" lines. It keeps
// the text (function) symbols and fails when every address is zero (hidden).
func parseKallsyms(data []byte) (*kallsyms, error) {
	type sym struct {
		addr uint64
		name string
	}
	var syms []sym
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 3 || len(f[1]) != 1 || (f[1] != "t" && f[1] != "T") {
			continue
		}
		addr, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil || addr == 0 {
			continue
		}
		syms = append(syms, sym{addr, f[2]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read the kernel symbols: %w", err)
	}
	if len(syms) == 0 {
		return nil, fmt.Errorf("the kernel symbols have no addresses (kptr_restrict)")
	}
	sort.SliceStable(syms, func(i, j int) bool { return syms[i].addr < syms[j].addr })
	ks := &kallsyms{addrs: make([]uint64, len(syms)), names: make([]string, len(syms))}
	for i, s := range syms {
		ks.addrs[i], ks.names[i] = s.addr, s.name
	}
	return ks, nil
}

// name returns the function holding addr ("" if below every symbol), without the .cold or
// .isra/.constprop suffixes the compiler adds.
func (k *kallsyms) name(addr uint64) string {
	i := sort.Search(len(k.addrs), func(i int) bool { return k.addrs[i] > addr }) - 1
	if i < 0 {
		return ""
	}
	name := k.names[i]
	if dot := strings.IndexByte(name, '.'); dot > 0 {
		name = name[:dot]
	}
	return name
}

// caller returns the function that asked for the capability check whose kernel stack is frames
// (innermost first): the first frame past the BPF program, the tracepoint and the capability
// code itself.
func (k *kallsyms) caller(frames []uint64) string {
	for _, addr := range frames {
		if addr == 0 {
			break
		}
		name := k.name(addr)
		switch {
		case name == "", strings.HasPrefix(name, "bpf_"), strings.HasPrefix(name, "__bpf_"),
			strings.HasPrefix(name, "__traceiter_"), strings.HasPrefix(name, "trace_"),
			name == "cap_capable", name == "cap_capable_helper", name == "security_capable":
			continue
		}
		return name
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
