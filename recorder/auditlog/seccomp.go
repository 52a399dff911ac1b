package auditlog

import (
	"bytes"
	"strings"

	"github.com/profgen/profgen/syscalls"
)

// seccomp fields that must be present in every record (the kernel always writes them).
const (
	haveUID = 1 << iota
	haveGID
	havePID
	haveArch
	haveSyscall
	haveCode
	haveAll = haveUID | haveGID | havePID | haveArch | haveSyscall | haveCode
)

var bAUID = []byte("AUID=")

// parseSeccomp reads the fields of a seccomp record body. The syscall is named on the
// record's own ABI (arch= and the x32 bit); auditd's SYSCALL= enrichment is never read.
func (r *Record) parseSeccomp(body []byte) error {
	if r.Form != FormInterpreted && r.parseSeccompRaw(body) {
		if err := r.nameSyscall(); err != nil {
			return err
		}
		r.Kind = KindSeccomp
		return nil
	}
	return r.parseSeccompFields(body)
}

// parseSeccompFields reads a seccomp record body with the general field scanner: any field
// order, ausearch -i's interpreted values.
func (r *Record) parseSeccompFields(body []byte) error {
	sc := &r.Seccomp
	*sc = Seccomp{Sig: -1}
	interp := r.Form == FormInterpreted
	var have int
	var archName, sysName []byte
	fs := fieldScanner{s: body}
	var f field
	for fs.next(&f) {
		switch string(f.key) {
		case "pid":
			v, ok := parseUint(f.val)
			if !ok {
				return bad("pid", f.val)
			}
			sc.PID, have = v, have|havePID
		case "uid", "gid":
			v, ok := parseUint(f.val)
			if !ok && (!interp || len(f.val) == 0) {
				return bad(string(f.key), f.val)
			}
			if f.key[0] == 'u' {
				sc.UID, have = v, have|haveUID
			} else {
				sc.GID, have = v, have|haveGID
			}
		case "comm":
			sc.Comm = r.untrusted(f, interp)
		case "exe":
			sc.Exe = r.untrusted(f, interp)
		case "sig":
			if v, ok := parseInt(f.val); ok {
				sc.Sig = v
			} else if !interp {
				return bad("sig", f.val)
			}
		case "arch":
			if interp {
				archName = f.val
			} else {
				v, ok := parseHex(f.val)
				if !ok || v > 0xffffffff {
					return bad("arch", f.val)
				}
				sc.AuditArch = uint32(v)
			}
			have |= haveArch
		case "syscall":
			if v, ok := parseInt(f.val); ok {
				sc.Nr = v
			} else if interp && len(f.val) > 0 {
				sysName = f.val
			} else {
				return bad("syscall", f.val)
			}
			have |= haveSyscall
		case "compat":
			sc.Compat = len(f.val) == 1 && f.val[0] == '1'
		case "code":
			v := f.val
			if interp {
				have |= haveCode
				break
			}
			if i := bytes.Index(v, bAUID); i > 0 {
				v = v[:i] // auditd's enrichment glued on when the 0x1d separator was lost
			}
			c, ok := parseHex(v)
			if !ok || c > 0xffffffff {
				return bad("code", f.val)
			}
			sc.Code, sc.CodeKnown, have = uint32(c), true, have|haveCode
		}
	}
	if have != haveAll {
		for _, m := range []struct {
			bit  int
			name string
		}{{haveUID, "uid"}, {haveGID, "gid"}, {havePID, "pid"}, {haveArch, "arch"}, {haveSyscall, "syscall"}, {haveCode, "code"}} {
			if have&m.bit == 0 {
				return missing(m.name)
			}
		}
	}
	var err error
	if interp {
		err = r.nameInterpreted(archName, sysName)
	} else {
		err = r.nameSyscall()
	}
	if err == nil {
		r.Kind = KindSeccomp
	}
	return err
}

// untrusted returns a comm= or exe= value decoded.
func (r *Record) untrusted(f field, interp bool) []byte {
	if interp {
		return f.val
	}
	return decodeValue(f.val, f.quoted, &r.scratch)
}

// nameSyscall names the syscall of a raw record on its own ABI.
func (r *Record) nameSyscall() error {
	sc := &r.Seccomp
	if r.archABI == "" || r.arch != sc.AuditArch {
		abi, err := syscalls.ABIFromAudit(sc.AuditArch, 0)
		if err != nil {
			return bad("arch", []byte(abiHex(sc.AuditArch)))
		}
		r.arch, r.archABI = sc.AuditArch, abi
	}
	abi := r.archABI
	if abi == syscalls.X86_64 && sc.Nr >= 0 && sc.Nr&syscalls.X32SyscallBit != 0 {
		abi = syscalls.X32
	}
	sc.ABI = abi
	n := &r.names[uint64(sc.Nr)%uint64(len(r.names))]
	if n.abi != abi || n.nr != sc.Nr {
		name, _ := abi.Name(sc.Nr)
		*n = recentName{abi, sc.Nr, name}
	}
	sc.Name = n.name
	return nil
}

func abiHex(a uint32) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = digits[a&0xf]
		a >>= 4
	}
	return string(b)
}

// ausearch's names for audit arches that profgen's ABI names do not cover.
var interpretedArch = map[string]syscalls.ABI{
	"i386": syscalls.X86, "i486": syscalls.X86, "i586": syscalls.X86, "i686": syscalls.X86,
	"armeb": syscalls.ARM, "armv7l": syscalls.ARM, "armv5tejl": syscalls.ARM, "armv5tel": syscalls.ARM,
	"ppc64le": syscalls.PPC64LE, "ppc64": syscalls.PPC64, "ppc": syscalls.PPC,
	"s390x": syscalls.S390X, "s390": syscalls.S390, "aarch64": syscalls.AARCH64,
	"x86_64": syscalls.X86_64, "riscv64": syscalls.RISCV64, "loongarch64": syscalls.LOONGARCH64,
	"mips": syscalls.MIPS, "mipsel": syscalls.MIPSEL, "mips64": syscalls.MIPS64, "mips64el": syscalls.MIPSEL64,
}

// nameInterpreted handles ausearch -i output, which prints names instead of numbers: the
// arch name is mapped to an ABI and the syscall name checked against that ABI's table.
func (r *Record) nameInterpreted(arch, name []byte) error {
	sc := &r.Seccomp
	abi, ok := interpretedArch[string(arch)]
	if !ok {
		a, err := syscalls.ParseABI(string(arch))
		if err != nil {
			return bad("arch", arch)
		}
		abi = a
	}
	sc.AuditArch = abi.AuditArch()
	if name == nil {
		if abi == syscalls.X86_64 && sc.Nr >= 0 && sc.Nr&syscalls.X32SyscallBit != 0 {
			abi = syscalls.X32
		}
		sc.ABI = abi
		if n, err := abi.Name(sc.Nr); err == nil {
			sc.Name = n
		}
		return nil
	}
	n := string(name)
	if strings.HasPrefix(n, "unknown-syscall(") && strings.HasSuffix(n, ")") {
		nr, ok := parseInt(name[len("unknown-syscall(") : len(name)-1])
		if !ok {
			return bad("syscall", name)
		}
		sc.ABI, sc.Nr = abi, nr
		if s, err := abi.Name(nr); err == nil {
			sc.Name = s
		}
		return nil
	}
	nr, err := abi.Number(n)
	if err != nil && abi == syscalls.X86_64 {
		if nr2, err2 := syscalls.X32.Number(n); err2 == nil {
			abi, nr, err = syscalls.X32, nr2, nil
		}
	}
	if err != nil {
		return bad("syscall", name)
	}
	sc.ABI, sc.Nr, sc.Name = abi, nr, n
	return nil
}
