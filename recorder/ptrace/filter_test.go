package ptrace

import (
	"testing"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

const (
	archX86_64 = 0xc000003e
	archI386   = 0x40000003
)

func TestBuildFilter(t *testing.T) {
	allow := map[uint32][]uint32{
		archX86_64: {0, 1, 3, 1, syscalls.X32SyscallBit | 39},
		archI386:   {3, 4},
	}
	prog, err := buildFilter(allow)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		arch, nr uint32
		want     uint32
	}{
		{archX86_64, 0, seccompRetAllow},
		{archX86_64, 1, seccompRetAllow},
		{archX86_64, 3, seccompRetAllow},
		{archX86_64, 2, seccompRetTrace},
		{archX86_64, 4, seccompRetTrace},
		{archX86_64, syscalls.X32SyscallBit | 39, seccompRetAllow},
		{archX86_64, 39, seccompRetTrace},
		{archI386, 3, seccompRetAllow},
		{archI386, 0, seccompRetTrace},
		{0xc00000b7, 0, seccompRetTrace}, // aarch64: not in the baseline
	}
	for _, tt := range tests {
		got, err := evalFilter(prog, tt.arch, tt.nr)
		if err != nil {
			t.Fatalf("arch %#x nr %d: %v", tt.arch, tt.nr, err)
		}
		if got != tt.want {
			t.Errorf("arch %#x nr %d: got %#x, want %#x", tt.arch, tt.nr, got, tt.want)
		}
	}
	empty, err := buildFilter(nil)
	if err != nil || len(empty) != 1 || empty[0].k != seccompRetTrace {
		t.Errorf("empty baseline: got %v, %v; want the single instruction return TRACE", empty, err)
	}
}

func TestBuildFilterLargeBaseline(t *testing.T) {
	// Every x86_64 and x86 syscall: the jumps over each block exceed a byte.
	allow := map[uint32][]uint32{}
	for _, abi := range []syscalls.ABI{syscalls.X86_64, syscalls.X86} {
		for _, sc := range abi.Syscalls() {
			allow[abi.AuditArch()] = append(allow[abi.AuditArch()], uint32(sc.Nr))
		}
	}
	prog, err := buildFilter(allow)
	if err != nil {
		t.Fatal(err)
	}
	for _, abi := range []syscalls.ABI{syscalls.X86_64, syscalls.X86} {
		for _, sc := range abi.Syscalls() {
			if got, _ := evalFilter(prog, abi.AuditArch(), uint32(sc.Nr)); got != seccompRetAllow {
				t.Fatalf("%s %s: got %#x, want allow", abi, sc.Name, got)
			}
		}
		if got, _ := evalFilter(prog, abi.AuditArch(), 5000); got != seccompRetTrace {
			t.Errorf("%s 5000: got %#x, want trace", abi, got)
		}
	}
	huge := map[uint32][]uint32{}
	for i := uint32(0); i < 3000; i++ {
		huge[archX86_64] = append(huge[archX86_64], i)
	}
	if _, err := buildFilter(huge); err == nil {
		t.Error("a 3000-syscall baseline built a filter longer than BPF_MAXINSNS")
	}
}

func TestBaselineNumbers(t *testing.T) {
	base := profile.NewRecording("test", "test")
	for _, n := range []string{"read", "openat", "write"} {
		base.AddSyscall(syscalls.X86_64, n, 1, profile.Process{})
	}
	base.AddSyscall(syscalls.X86, "read", 1, profile.Process{})
	got := baselineNumbers(base, map[string]bool{"openat": true})
	if len(got[archX86_64]) != 2 || len(got[archI386]) != 1 {
		t.Fatalf("got %v, want read and write on x86_64, read on x86", got)
	}
	prog, err := buildFilter(got)
	if err != nil {
		t.Fatal(err)
	}
	openat, _ := syscalls.X86_64.Number("openat")
	if r, _ := evalFilter(prog, archX86_64, uint32(openat)); r != seccompRetTrace {
		t.Error("openat, kept for its paths, is allowed without a stop")
	}
}

func TestEncodeDecodeFilter(t *testing.T) {
	prog, err := buildFilter(map[uint32][]uint32{archX86_64: {0, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeFilter(encodeFilter(prog))
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(prog) {
		t.Fatalf("decoded %d instructions, want %d", len(back), len(prog))
	}
	for i := range prog {
		if back[i] != prog[i] {
			t.Errorf("instruction %d: got %+v, want %+v", i, back[i], prog[i])
		}
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, make([]byte, 8*(bpfMaxInsns+1))} {
		if _, err := decodeFilter(bad); err == nil {
			t.Errorf("decodeFilter accepted %d bytes", len(bad))
		}
	}
}

// FuzzDecodeFilter checks that the helper's filter decoder never panics and that what it
// accepts encodes back to the same bytes.
func FuzzDecodeFilter(f *testing.F) {
	for _, allow := range []map[uint32][]uint32{nil, {archX86_64: {0, 1, 60}}, {archI386: {1}, archX86_64: {2}}} {
		prog, err := buildFilter(allow)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(encodeFilter(prog))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		prog, err := decodeFilter(b)
		if err != nil {
			return
		}
		if got := encodeFilter(prog); string(got) != string(b) {
			t.Fatalf("re-encoded %x, want %x", got, b)
		}
		_, _ = evalFilter(prog, archX86_64, 0)
	})
}
