package syscalls

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
)

// ABI names one syscall calling convention: an architecture and, where it has several, its
// word size (x86_64, x86, x32 ...). The names are the runtime spec's SCMP_ARCH_* names in
// lower case without the prefix.
type ABI string

// The ABIs profgen knows.
const (
	X86_64      ABI = "x86_64"
	X86         ABI = "x86"
	X32         ABI = "x32"
	AARCH64     ABI = "aarch64"
	ARM         ABI = "arm"
	RISCV64     ABI = "riscv64"
	LOONGARCH64 ABI = "loongarch64"
	PPC64       ABI = "ppc64"
	PPC64LE     ABI = "ppc64le"
	PPC         ABI = "ppc"
	S390X       ABI = "s390x"
	S390        ABI = "s390"
	MIPS        ABI = "mips"
	MIPSEL      ABI = "mipsel"
	MIPS64      ABI = "mips64"
	MIPSEL64    ABI = "mipsel64"
	MIPS64N32   ABI = "mips64n32"
	MIPSEL64N32 ABI = "mipsel64n32"
	PARISC      ABI = "parisc"
	PARISC64    ABI = "parisc64"
	M68K        ABI = "m68k"
	SH          ABI = "sh"
	SHEB        ABI = "sheb"
)

// X32SyscallBit is set in the syscall number of every x32 call (__X32_SYSCALL_BIT). The kernel
// reports x32 calls with the x86_64 audit arch, so this bit is what tells them apart.
const X32SyscallBit = 0x40000000

// ErrUnknownABI is returned for an ABI name, audit arch or SCMP_ARCH_* value profgen does not know.
var ErrUnknownABI = errors.New("unknown ABI")

// Audit arch bits (include/uapi/linux/audit.h).
const (
	audit64bit         = 0x80000000
	auditLE            = 0x40000000
	auditConvertedMIPS = 0x20000000 // __AUDIT_ARCH_CONVENTION_MIPS64_N32
)

// ELF machine numbers used by the audit arch values.
const (
	emM68K    = 4
	emMIPS    = 8
	emPARISC  = 15
	emPPC     = 20
	emPPC64   = 21
	emS390    = 22
	emARM     = 40
	emSH      = 42
	emX86_64  = 62
	emAARCH64 = 183
	emRISCV   = 243
	emLOONG   = 258
	em386     = 3
)

type abiInfo struct {
	audit      uint32
	scmp       string
	goarch     string // GOARCH of a process whose native ABI this is, "" if none
	aliases    []string
	companions []ABI  // other ABIs a process on this machine may call (native first)
	noTable    string // why there is no syscall table for the ABI, if there is none
}

var abiInfos = map[ABI]abiInfo{
	X86_64:      {audit: emX86_64 | audit64bit | auditLE, scmp: "SCMP_ARCH_X86_64", goarch: "amd64", aliases: []string{"amd64", "x86-64"}, companions: []ABI{X86, X32}},
	X86:         {audit: em386 | auditLE, scmp: "SCMP_ARCH_X86", goarch: "386", aliases: []string{"i386", "i686", "386", "ia32"}},
	X32:         {audit: emX86_64 | audit64bit | auditLE, scmp: "SCMP_ARCH_X32"},
	AARCH64:     {audit: emAARCH64 | audit64bit | auditLE, scmp: "SCMP_ARCH_AARCH64", goarch: "arm64", aliases: []string{"arm64"}, companions: []ABI{ARM}},
	ARM:         {audit: emARM | auditLE, scmp: "SCMP_ARCH_ARM", goarch: "arm", aliases: []string{"armhf", "armel", "eabi"}},
	RISCV64:     {audit: emRISCV | audit64bit | auditLE, scmp: "SCMP_ARCH_RISCV64", goarch: "riscv64"},
	LOONGARCH64: {audit: emLOONG | audit64bit | auditLE, scmp: "SCMP_ARCH_LOONGARCH64", goarch: "loong64", aliases: []string{"loong64"}},
	PPC64:       {audit: emPPC64 | audit64bit, scmp: "SCMP_ARCH_PPC64", goarch: "ppc64", companions: []ABI{PPC}},
	PPC64LE:     {audit: emPPC64 | audit64bit | auditLE, scmp: "SCMP_ARCH_PPC64LE", goarch: "ppc64le"},
	PPC:         {audit: emPPC, scmp: "SCMP_ARCH_PPC", aliases: []string{"powerpc", "ppc32"}},
	S390X:       {audit: emS390 | audit64bit, scmp: "SCMP_ARCH_S390X", goarch: "s390x", companions: []ABI{S390}},
	S390:        {audit: emS390, scmp: "SCMP_ARCH_S390", noTable: "the kernel's s390 table has no 31-bit compat entries since 31-bit compat was removed"},
	MIPS:        {audit: emMIPS, scmp: "SCMP_ARCH_MIPS", goarch: "mips", aliases: []string{"mipso32"}},
	MIPSEL:      {audit: emMIPS | auditLE, scmp: "SCMP_ARCH_MIPSEL", goarch: "mipsle", aliases: []string{"mipsle"}},
	MIPS64:      {audit: emMIPS | audit64bit, scmp: "SCMP_ARCH_MIPS64", goarch: "mips64", aliases: []string{"mips64n64"}, companions: []ABI{MIPS, MIPS64N32}},
	MIPSEL64:    {audit: emMIPS | audit64bit | auditLE, scmp: "SCMP_ARCH_MIPSEL64", goarch: "mips64le", aliases: []string{"mips64le", "mips64el"}, companions: []ABI{MIPSEL, MIPSEL64N32}},
	MIPS64N32:   {audit: emMIPS | audit64bit | auditConvertedMIPS, scmp: "SCMP_ARCH_MIPS64N32", aliases: []string{"n32"}},
	MIPSEL64N32: {audit: emMIPS | audit64bit | auditLE | auditConvertedMIPS, scmp: "SCMP_ARCH_MIPSEL64N32", aliases: []string{"mips64eln32", "mips64len32"}},
	PARISC:      {audit: emPARISC, scmp: "SCMP_ARCH_PARISC", aliases: []string{"hppa"}},
	PARISC64:    {audit: emPARISC | audit64bit, scmp: "SCMP_ARCH_PARISC64", aliases: []string{"hppa64"}, companions: []ABI{PARISC}},
	M68K:        {audit: emM68K, scmp: "SCMP_ARCH_M68K"},
	SH:          {audit: emSH | auditLE, scmp: "SCMP_ARCH_SH", aliases: []string{"shel"}},
	SHEB:        {audit: emSH, scmp: "SCMP_ARCH_SHEB"},
}

// ABIs returns every ABI profgen knows, sorted by name.
func ABIs() []ABI {
	out := make([]ABI, 0, len(abiInfos))
	for a := range abiInfos {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Valid reports whether a is an ABI profgen knows.
func (a ABI) Valid() bool { _, ok := abiInfos[a]; return ok }

// String returns the ABI's name.
func (a ABI) String() string { return string(a) }

// ParseABI accepts an ABI name (x86_64), a runtime-spec name (SCMP_ARCH_X86_64), a GOARCH
// (amd64) or a common alias (i386, arm64), in any case.
func ParseABI(s string) (ABI, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "scmp_arch_")
	if _, ok := abiInfos[ABI(t)]; ok {
		return ABI(t), nil
	}
	if t == "" {
		return "", fmt.Errorf("%w: empty name (known: %s)", ErrUnknownABI, joinABIs(ABIs()))
	}
	for a, info := range abiInfos {
		if t == info.goarch {
			return a, nil
		}
		for _, al := range info.aliases {
			if t == al {
				return a, nil
			}
		}
	}
	return "", fmt.Errorf("%w %q (known: %s)", ErrUnknownABI, s, joinABIs(ABIs()))
}

func joinABIs(abis []ABI) string {
	s := make([]string, len(abis))
	for i, a := range abis {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// GOARCH returns the GOARCH of a process whose native ABI a is ("amd64" for x86_64), or ""
// for an ABI no Go port runs on natively (x32, the MIPS n32 ABIs ...).
func (a ABI) GOARCH() string { return abiInfos[a].goarch }

// SCMPArch returns the runtime-spec / libseccomp name of the ABI, e.g. SCMP_ARCH_X86_64.
func (a ABI) SCMPArch() string { return abiInfos[a].scmp }

// ABIFromSCMPArch maps a runtime-spec SCMP_ARCH_* value to its ABI.
func ABIFromSCMPArch(s string) (ABI, error) {
	for a, info := range abiInfos {
		if info.scmp == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w: architecture %q", ErrUnknownABI, s)
}

// AuditArch returns the AUDIT_ARCH_* value that audit records carry as arch= for the ABI.
// x32 shares x86_64's value; its syscall numbers carry X32SyscallBit instead.
func (a ABI) AuditArch() uint32 { return abiInfos[a].audit }

// ABIFromAudit names the ABI of an audit record from its arch= value and syscall number.
func ABIFromAudit(arch uint32, nr int64) (ABI, error) {
	if arch == X86_64.AuditArch() {
		if nr >= 0 && nr&X32SyscallBit != 0 {
			return X32, nil
		}
		return X86_64, nil
	}
	for a, info := range abiInfos {
		if a == X32 {
			continue
		}
		if info.audit == arch {
			return a, nil
		}
	}
	return "", fmt.Errorf("%w: audit arch 0x%08x", ErrUnknownABI, arch)
}

// Companions returns the ABIs a process on a machine of ABI a may use besides a itself (x86
// and x32 on x86_64, arm on aarch64 ...), the way Docker's default profile groups them.
func (a ABI) Companions() []ABI { return append([]ABI(nil), abiInfos[a].companions...) }

// Family returns a with its companions: the architectures list a seccomp profile for a
// workload recorded on a should carry.
func (a ABI) Family() []ABI { return append([]ABI{a}, abiInfos[a].companions...) }

// Native returns the ABI of the machine profgen runs on.
func Native() ABI {
	for a, info := range abiInfos {
		if info.goarch == runtime.GOARCH {
			return a
		}
	}
	return ""
}
