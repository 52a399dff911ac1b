//go:build linux && amd64

package ebpf

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestProgramNamer: the naming program names addresses inside kernel functions as
// /proc/kallsyms does (a return address is named by the function holding the call before
// it, so an address just past a function's start names that function), and loads wherever
// the capability program does.
func TestProgramNamer(t *testing.T) {
	requireBPF(t)
	p, err := load(scope{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.capProg != nil && p.namer == nil {
		t.Fatal("the capability program loaded but the naming program did not")
	}
	if p.namer == nil {
		t.Skip("no capability program here: nothing to name")
	}
	want := map[string]uint64{"cap_capable": 0, "security_vm_enough_memory_mm": 0, "__x64_sys_bind": 0}
	f, err := os.Open("/proc/kallsyms")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || (fields[1] != "T" && fields[1] != "t") {
			continue
		}
		if _, ok := want[fields[2]]; ok {
			addr, err := strconv.ParseUint(fields[0], 16, 64)
			if err != nil || addr == 0 {
				t.Skipf("kernel addresses hidden (%s)", sc.Text())
			}
			want[fields[2]] = addr
		}
	}
	var addrs []uint64
	for name, addr := range want {
		if addr == 0 {
			t.Fatalf("%s not in /proc/kallsyms", name)
		}
		addrs = append(addrs, addr+5, addr+5) // twice: named once
	}
	syms, err := programNamer{p.namer}.resolve(append(addrs, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(syms) != len(want) {
		t.Errorf("resolve named %d addresses, want %d: %v", len(syms), len(want), syms)
	}
	for name, addr := range want {
		if got := syms.name(addr + 5); got != name {
			t.Errorf("address %#x named %q, want %q", addr+5, got, name)
		}
	}
}
