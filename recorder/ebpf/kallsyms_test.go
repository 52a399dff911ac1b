package ebpf

import (
	"sort"
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
ffffffffc0001000 t bpf_prog_6deef7357e7b4530_cap_capable_result	[bpf]
`

func TestKallsymsCaller(t *testing.T) {
	ks, err := parseKallsyms([]byte(kallsymsSample))
	if err != nil {
		t.Fatal(err)
	}
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
		got := ks.caller(tt.frames)
		if got != tt.caller || probeOnly(got) != tt.probe {
			t.Errorf("caller(%x) = %q (probe only %v), want %q (%v)", tt.frames, got, probeOnly(got), tt.caller, tt.probe)
		}
	}
	if _, err := parseKallsyms([]byte("0000000000000000 T cap_capable\n")); err == nil {
		t.Errorf("hidden addresses parsed without an error")
	}
}

// FuzzParseKallsyms checks that parsed symbols are sorted by address and named.
func FuzzParseKallsyms(f *testing.F) {
	f.Add([]byte(kallsymsSample))
	f.Add([]byte("0000000000000000 T x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := parseKallsyms(data)
		if err != nil {
			return
		}
		if len(ks.addrs) == 0 || len(ks.addrs) != len(ks.names) || !sort.SliceIsSorted(ks.addrs, func(i, j int) bool { return ks.addrs[i] < ks.addrs[j] }) {
			t.Fatalf("symbols not sorted or empty: %v", ks.addrs)
		}
		for i, n := range ks.names {
			if n == "" || ks.addrs[i] == 0 {
				t.Fatalf("symbol %d unnamed or at 0", i)
			}
			if got := ks.name(ks.addrs[i]); got == "" {
				t.Fatalf("address %x resolves to nothing", ks.addrs[i])
			}
		}
	})
}
