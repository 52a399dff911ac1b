package syscalls

import (
	"errors"
	"slices"
	"testing"
)

func TestABIFromAudit(t *testing.T) {
	for _, tc := range []struct {
		arch uint32
		nr   int64
		want ABI
		name string
	}{
		{0xc000003e, 35, X86_64, "nanosleep"},
		{0xc000003e, 0x40000000 + 1, X32, "write"},
		{0x40000003, 132, X86, "getpgid"},
		{0x40000003, 265, X86, "clock_gettime"},
		{0xc00000b7, 227, AARCH64, "msync"},
		{0x40000028, 983045, ARM, "set_tls"},
		{0xc00000f3, 56, RISCV64, "openat"},
		{0xc0000015, 286, PPC64LE, "openat"},
		{0x80000015, 286, PPC64, "openat"},
		{0x00000014, 286, PPC, "openat"},
		{0x80000016, 119, S390X, "sigreturn"},
		{0xc0000102, 56, LOONGARCH64, "openat"},
		{0x00000008, 4288, MIPS, "openat"},
		{0x40000008, 4288, MIPSEL, "openat"},
		{0x80000008, 5247, MIPS64, "openat"},
		{0xc0000008, 5247, MIPSEL64, "openat"},
		{0xa0000008, 6251, MIPS64N32, "openat"},
		{0xe0000008, 6251, MIPSEL64N32, "openat"},
		{0x0000000f, 275, PARISC, "openat"},
		{0x8000000f, 275, PARISC64, "openat"},
		{0x00000004, 288, M68K, "openat"},
		{0x4000002a, 295, SH, "openat"},
		{0x0000002a, 295, SHEB, "openat"},
	} {
		got, err := ABIFromAudit(tc.arch, tc.nr)
		if err != nil || got != tc.want {
			t.Errorf("ABIFromAudit(%#x, %d) = %q, %v; want %q", tc.arch, tc.nr, got, err, tc.want)
			continue
		}
		if name, err := got.Name(tc.nr); err != nil || name != tc.name {
			t.Errorf("%s.Name(%d) = %q, %v; want %q", got, tc.nr, name, err, tc.name)
		}
	}
	if _, err := ABIFromAudit(0x12345678, 1); !errors.Is(err, ErrUnknownABI) {
		t.Errorf("unknown audit arch: err = %v, want ErrUnknownABI", err)
	}
}

func TestAuditArchIsUnique(t *testing.T) {
	seen := map[uint32]ABI{}
	for _, a := range ABIs() {
		if a == X32 {
			continue // shares x86_64's value by design
		}
		if prev, ok := seen[a.AuditArch()]; ok {
			t.Errorf("%s and %s share audit arch %#x", a, prev, a.AuditArch())
		}
		seen[a.AuditArch()] = a
	}
}

func TestParseABI(t *testing.T) {
	for in, want := range map[string]ABI{
		"x86_64": X86_64, "amd64": X86_64, "SCMP_ARCH_X86_64": X86_64, "i386": X86,
		"386": X86, "arm64": AARCH64, "AArch64": AARCH64, "ppc64le": PPC64LE, "loong64": LOONGARCH64,
		"mips64le": MIPSEL64, "SCMP_ARCH_MIPSEL64N32": MIPSEL64N32, "s390x": S390X, "x32": X32,
	} {
		got, err := ParseABI(in)
		if err != nil || got != want {
			t.Errorf("ParseABI(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "sparc", "x86_65", "SCMP_ARCH_"} {
		if _, err := ParseABI(bad); !errors.Is(err, ErrUnknownABI) {
			t.Errorf("ParseABI(%q): err = %v, want ErrUnknownABI", bad, err)
		}
	}
}

func TestSCMPArchRoundTrip(t *testing.T) {
	for _, a := range ABIs() {
		s := a.SCMPArch()
		if s == "" {
			t.Errorf("%s has no SCMP_ARCH name", a)
			continue
		}
		back, err := ABIFromSCMPArch(s)
		if err != nil || back != a {
			t.Errorf("ABIFromSCMPArch(%q) = %q, %v; want %q", s, back, err, a)
		}
	}
}

func TestFamily(t *testing.T) {
	for a, want := range map[ABI][]ABI{
		X86_64:  {X86_64, X86, X32},
		AARCH64: {AARCH64, ARM},
		RISCV64: {RISCV64},
		S390X:   {S390X, S390},
		MIPS64:  {MIPS64, MIPS, MIPS64N32},
	} {
		if got := a.Family(); !slices.Equal(got, want) {
			t.Errorf("%s.Family() = %v, want %v", a, got, want)
		}
	}
}

func TestOffsetsAndPrivateCalls(t *testing.T) {
	for _, tc := range []struct {
		abi  ABI
		name string
		nr   int64
	}{
		{X32, "writev", 0x40000000 + 516},
		{X32, "read", 0x40000000},
		{MIPS, "write", 4004},
		{MIPS64, "write", 5001},
		{MIPS64N32, "write", 6001},
		{ARM, "breakpoint", 0xf0001},
		{ARM, "get_tls", 0xf0006},
		{X86_64, "rseq_slice_yield", 471},
		{AARCH64, "renameat", 38},
	} {
		if got, err := tc.abi.Number(tc.name); err != nil || got != tc.nr {
			t.Errorf("%s.Number(%q) = %d, %v; want %d", tc.abi, tc.name, got, err, tc.nr)
		}
	}
	if X86_64.Has("set_tls") || !X86_64.Has("writev") {
		t.Error("x86_64 must not have ARM's set_tls")
	}
	if _, err := X86_64.Name(512); !errors.Is(err, ErrUnknownSyscall) {
		t.Errorf("x86_64 512 is an x32-only number; err = %v", err)
	}
	if _, err := S390.Name(1); !errors.Is(err, ErrNoTable) {
		t.Errorf("s390 lookup: err = %v, want ErrNoTable", err)
	}
	if X86_64.NameOrNumber(9999) != "9999" || X86_64.NameOrNumber(0) != "read" {
		t.Error("NameOrNumber")
	}
}

func TestTablesSortedAndUnique(t *testing.T) {
	for a, tbl := range tables {
		for i := 1; i < len(tbl); i++ {
			if tbl[i].nr <= tbl[i-1].nr {
				t.Errorf("%s: table not strictly sorted at %d", a, tbl[i].nr)
			}
		}
		if !a.Valid() {
			t.Errorf("table for unknown ABI %q", a)
		}
	}
}
