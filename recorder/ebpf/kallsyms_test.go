package ebpf

import (
	"strconv"
	"strings"
	"testing"
)

const kallsymsSample = `ffffffff8136fec0 T has_capability_noaudit
ffffffff81370070 T ns_capable_noaudit
ffffffff81207abe t ns_capable_noaudit.cold
ffffffff81abf400 t __bpf_trace_cap_capable
ffffffff81abf930 T cap_capable
ffffffff81abfb40 T cap_vm_enough_memory
ffffffff81ac4ef0 T security_capable
ffffffff81ac5280 T security_vm_enough_memory_mm
ffffffff81b00000 T __sys_bind
ffffffff81c00000 d some_data
ffffffffc0000000 t nf_hook_slow	[some_module]
ffffffffc0001000 t bpf_prog_6deef7357e7b4530_cap_capable_result	[bpf]
`

// Kernel stacks of capability checks, innermost first, in kallsymsSample's addresses.
var (
	stackMmap = [capStackDepth]uint64{0xffffffffc0001010, 0xffffffff81abf410, 0xffffffff81abf990, 0xffffffff81ac5290, 0xffffffff81b00010}
	stackBind = [capStackDepth]uint64{0xffffffffc0001010, 0xffffffff81abf990, 0xffffffff81ac4f00, 0xffffffff81b00010}
)

// TestClassifyCaps: a check whose caller is unknown (no stack: the kernel could not keep it;
// or no cap_capable frame) is neither a use nor a probe, but a count the recording reports as
// lost. Before, a check without a stack was taken for a use, and the memory accounting's
// CAP_SYS_ADMIN probe on an mmap became "sys_admin" in the capabilities used.
func TestClassifyCaps(t *testing.T) {
	checks := []capCheck{
		{cap: 21, granted: true, frames: stackMmap, n: 500},                                // sys_admin, probe
		{cap: 21, granted: true, n: 7},                                                     // sys_admin, no stack
		{cap: 21, granted: true, frames: [capStackDepth]uint64{0xffffffff81b00010}, n: 2},  // no cap_capable frame
		{cap: 10, granted: true, frames: stackBind, n: 1},                                  // net_bind_service, use
		{cap: 25, granted: false, frames: stackBind, n: 1},                                 // sys_time, denied
		{cap: 25, granted: false, frames: [capStackDepth]uint64{0xffffffff81abf990}, n: 3}, // nothing past cap_capable
		// Read from the stack words: frames begin past cap_capable.
		{cap: 21, granted: true, past: true, frames: [capStackDepth]uint64{0xffffffff81ac5290, 0xffffffff81b00010}, n: 900}, // sys_admin, probe
		{cap: 12, granted: true, past: true, frames: [capStackDepth]uint64{0xffffffff81ac4f00, 0xffffffff81b00010}, n: 1},   // net_admin, use
		{cap: 13, granted: true, past: true, frames: [capStackDepth]uint64{0xffffffff81ac4f00}, n: 4},                       // net_raw, caller not read
	}
	var addrs []uint64
	for _, c := range checks {
		addrs = append(addrs, c.frames[:]...)
	}
	syms, err := parseKallsyms([]byte(kallsymsSample), addrs)
	if err != nil {
		t.Fatal(err)
	}
	granted, denied, unknown := classifyCaps(checks, syms)
	if strings.Join(granted, " ") != "net_admin net_bind_service" || strings.Join(denied, " ") != "sys_time" || unknown != 16 {
		t.Errorf("classifyCaps = granted %q, denied %q, unknown %d; want [net_admin net_bind_service], [sys_time], 16", granted, denied, unknown)
	}
}

// TestCallerProgramUnnamed: the BPF program's own frame may be missing from the symbols read
// (/proc/kallsyms read while other programs are loaded and unloaded can skip an entry): it then
// falls in the function below it, here a module's. That name is not the check's caller.
func TestCallerProgramUnnamed(t *testing.T) {
	sample := strings.Replace(kallsymsSample, "ffffffffc0001000 t bpf_prog_6deef7357e7b4530_cap_capable_result\t[bpf]\n", "", 1)
	syms, err := parseKallsyms([]byte(sample), stackMmap[:])
	if err != nil {
		t.Fatal(err)
	}
	if got := syms.name(stackMmap[0]); got != "nf_hook_slow" {
		t.Fatalf("the program's frame is named %q, want nf_hook_slow (the test's premise)", got)
	}
	if got := syms.caller(stackMmap[:]); got != "security_vm_enough_memory_mm" || !probeOnly(got) {
		t.Errorf("caller = %q, want security_vm_enough_memory_mm (a probe)", got)
	}
}

func TestKallsymsCaller(t *testing.T) {
	tests := []struct {
		frames []uint64
		caller string
		probe  bool
	}{
		// BPF program, its tracepoint glue, cap_capable, then the memory accounting.
		{[]uint64{0xffffffffc0001010, 0xffffffff81abf410, 0xffffffff81abf990, 0xffffffff81abfb60, 0xffffffff81ac5290}, "cap_vm_enough_memory", true},
		// ... security_capable from __sys_bind (port below 1024): a use.
		{[]uint64{0xffffffffc0001010, 0xffffffff81abf990, 0xffffffff81ac4f00, 0xffffffff81b00010}, "__sys_bind", false},
		// ns_capable_noaudit's cold part.
		{[]uint64{0xffffffff81abf990, 0xffffffff81ac4f00, 0xffffffff81207ac0}, "ns_capable_noaudit", true},
		{[]uint64{0xffffffff81abf990, 0}, "", false},
	}
	for _, tt := range tests {
		syms, err := parseKallsyms([]byte(kallsymsSample), tt.frames)
		if err != nil {
			t.Fatal(err)
		}
		got := syms.caller(tt.frames)
		if got != tt.caller || probeOnly(got) != tt.probe {
			t.Errorf("caller(%x) = %q (probe only %v), want %q (%v)", tt.frames, got, probeOnly(got), tt.caller, tt.probe)
		}
	}
	// Two addresses in one function, none of its own between them.
	syms, err := parseKallsyms([]byte(kallsymsSample), []uint64{0xffffffff81b00020, 0xffffffff81b00010, 0xffffffff81bfffff})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []uint64{0xffffffff81b00020, 0xffffffff81b00010, 0xffffffff81bfffff} {
		if syms.name(a) != "__sys_bind" {
			t.Errorf("%x: %q, want __sys_bind", a, syms.name(a))
		}
	}
	if _, err := parseKallsyms([]byte("0000000000000000 T cap_capable\n"), []uint64{1}); err == nil {
		t.Errorf("hidden addresses parsed without an error")
	}
}

// FuzzParseKallsyms checks each address against a plain reading of the same text: it is named
// by a text symbol at the highest address at or below it, or not at all if there is none.
func FuzzParseKallsyms(f *testing.F) {
	f.Add([]byte(kallsymsSample), uint64(0xffffffff81abf990), uint64(0xffffffff81b00010))
	f.Add([]byte("0000000000000000 T x\n"), uint64(1), uint64(2))
	f.Fuzz(func(t *testing.T, data []byte, a, b uint64) {
		syms, err := parseKallsyms(data, []uint64{a, b})
		if err != nil {
			return
		}
		for _, addr := range []uint64{a, b} {
			var bestAddr uint64
			bestNames := map[string]bool{}
			for _, line := range strings.Split(string(data), "\n") {
				sp := strings.IndexByte(line, ' ')
				if sp <= 0 || len(line) < sp+4 || line[sp+2] != ' ' || (line[sp+1] != 't' && line[sp+1] != 'T') {
					continue
				}
				s, err := strconv.ParseUint(line[:sp], 16, 64)
				name := line[sp+3:]
				if e := strings.IndexAny(name, " \t"); e >= 0 {
					name = name[:e]
				}
				if err != nil || s == 0 || s > addr || name == "" || s < bestAddr {
					continue
				}
				if s > bestAddr {
					bestAddr, bestNames = s, map[string]bool{}
				}
				bestNames[name] = true
			}
			name, ok := syms[addr]
			if ok != (len(bestNames) > 0) || ok && !bestNames[name] {
				t.Fatalf("%x: named %q (%v), want one of %v", addr, name, ok, bestNames)
			}
		}
	})
}

func TestParseBacktraceName(t *testing.T) {
	for in, want := range map[string]string{
		"cap_capable+0x5/0x1a0":                   "cap_capable",
		"ns_capable_noaudit.cold+0x0/0xe\x00junk": "ns_capable_noaudit.cold",
		"nf_hook_slow+0x40/0xf0 [nf_tables]":      "nf_hook_slow",
		"0xffffffffc0001010":                      "",
		"":                                        "",
		"+0x1/0x2":                                "",
		"odd name+0x1/0x2":                        "",
		"bpf_prog_6deef7357e7b4530_cap_capable_result+0x3c/0x1f0 [bpf]": "bpf_prog_6deef7357e7b4530_cap_capable_result",
	} {
		if got := parseBacktraceName([]byte(in)); got != want {
			t.Errorf("parseBacktraceName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseBacktraceName(f *testing.F) {
	f.Add([]byte("cap_capable+0x5/0x1a0"))
	f.Add([]byte("nf_hook_slow+0x40/0xf0 [nf_tables]\x00"))
	f.Add([]byte("0xffffffffc0001010"))
	f.Fuzz(func(t *testing.T, b []byte) {
		name := parseBacktraceName(b)
		if name == "" {
			return
		}
		if !strings.HasPrefix(string(b), name+"+") || strings.ContainsAny(name, " \t\n/[]\x00") {
			t.Fatalf("parseBacktraceName(%q) = %q: not the text before the first +", b, name)
		}
	})
}
