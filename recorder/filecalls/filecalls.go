// Package filecalls says what the file syscalls a recorder follows mean for a profile: which
// arguments name files, relative to which directory descriptor, with which AppArmor access
// letters, and what a successful call shows about the file's type. The ptrace and eBPF
// recorders both read it, so that they record the same files from the same calls.
//
// Numbers and flags are Linux's (the same on x86-64 and i386); the package is pure Go and
// builds everywhere.
package filecalls

import (
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/profgen/profgen/profile"
)

// Arg says where a syscall names a file: the argument holding the path, the one holding the
// directory descriptor it is relative to (-1: the working directory), and the access.
type Arg struct {
	DirFD, Path int
	Access      string
}

// Where a syscall's open flags are (Spec.OpenFlags), when not an argument index.
const (
	NoFlags      = -1 // not an open
	FlagsOpenHow = -2 // openat2: the first field of the struct open_how argument 2 points to
)

// Spec says how to read the files a syscall names. OpenFlags, when not negative, is the
// argument holding open(2) flags, from which the access is computed (see NoFlags,
// FlagsOpenHow).
type Spec struct {
	Args      []Arg
	OpenFlags int
}

// Open reports whether the call opens a file (its access comes from its flags).
func (s Spec) Open() bool { return s.OpenFlags != NoFlags }

func p(path int, access string) Arg { return Arg{DirFD: -1, Path: path, Access: access} }
func at(dirfd, path int, access string) Arg {
	return Arg{DirFD: dirfd, Path: path, Access: access}
}

func one(a Arg) Spec { return Spec{Args: []Arg{a}, OpenFlags: NoFlags} }

// syscalls lists the syscalls whose paths are recorded, by name (the same on every ABI that
// has them). Access letters are profile.AccessLetters; "" records that a path was looked at
// (stat, access) without a permission AppArmor mediates.
var syscalls = map[string]Spec{
	"open":       {Args: []Arg{p(0, "")}, OpenFlags: 1},
	"creat":      one(p(0, "wc")),
	"openat":     {Args: []Arg{at(0, 1, "")}, OpenFlags: 2},
	"openat2":    {Args: []Arg{at(0, 1, "")}, OpenFlags: FlagsOpenHow},
	"execve":     one(p(0, "x")),
	"execveat":   one(at(0, 1, "x")),
	"stat":       one(p(0, "")),
	"lstat":      one(p(0, "")),
	"stat64":     one(p(0, "")),
	"lstat64":    one(p(0, "")),
	"newfstatat": one(at(0, 1, "")),
	"fstatat64":  one(at(0, 1, "")),
	"statx":      one(at(0, 1, "")),
	"access":     one(p(0, "")),
	"faccessat":  one(at(0, 1, "")),
	"faccessat2": one(at(0, 1, "")),
	"readlink":   one(p(0, "")),
	"readlinkat": one(at(0, 1, "")),
	"truncate":   one(p(0, "w")),
	"truncate64": one(p(0, "w")),
	"unlink":     one(p(0, "d")),
	"unlinkat":   one(at(0, 1, "d")),
	"rmdir":      one(p(0, "d")),
	"mkdir":      one(p(0, "wc")),
	"mkdirat":    one(at(0, 1, "wc")),
	"mknod":      one(p(0, "wc")),
	"mknodat":    one(at(0, 1, "wc")),
	"rename":     {Args: []Arg{p(0, "rwd"), p(1, "wc")}, OpenFlags: NoFlags},
	"renameat":   {Args: []Arg{at(0, 1, "rwd"), at(2, 3, "wc")}, OpenFlags: NoFlags},
	"renameat2":  {Args: []Arg{at(0, 1, "rwd"), at(2, 3, "wc")}, OpenFlags: NoFlags},
	"link":       {Args: []Arg{p(0, "r"), p(1, "l")}, OpenFlags: NoFlags},
	"linkat":     {Args: []Arg{at(0, 1, "r"), at(2, 3, "l")}, OpenFlags: NoFlags},
	"symlink":    one(p(1, "wc")),
	"symlinkat":  one(at(1, 2, "wc")),
	"chmod":      one(p(0, "w")),
	"fchmodat":   one(at(0, 1, "w")),
	"fchmodat2":  one(at(0, 1, "w")),
	"chown":      one(p(0, "w")),
	"lchown":     one(p(0, "w")),
	"chown32":    one(p(0, "w")),
	"lchown32":   one(p(0, "w")),
	"fchownat":   one(at(0, 1, "w")),
	"utimes":     one(p(0, "w")),
	"utime":      one(p(0, "w")),
	"utimensat":  one(at(0, 1, "w")),
	"chdir":      one(p(0, "")),
	"chroot":     one(p(0, "")),
	"mmap":       {OpenFlags: NoFlags}, // a file mapped executable: see MapExec
	"mmap2":      {OpenFlags: NoFlags},
}

// Lookup returns how syscall name names files, and whether it is one whose files are recorded.
func Lookup(name string) (Spec, bool) {
	s, ok := syscalls[name]
	return s, ok
}

// Names returns the names of the syscalls whose files are recorded, sorted.
func Names() []string {
	out := make([]string, 0, len(syscalls))
	for n := range syscalls {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// LookOnly reports whether syscall name only looks at a file (stat, access, readlink): its
// paths are recorded with no access, whether the call succeeds or not. AppArmor has no hook
// for readlink (a symbolic link is never opened: the file it names is), so reading a link
// gets no rule.
func LookOnly(name string) bool {
	switch name {
	case "stat", "lstat", "stat64", "lstat64", "newfstatat", "fstatat64", "statx", "access",
		"faccessat", "faccessat2", "readlink", "readlinkat":
		return true
	}
	return false
}

// IsExec reports whether syscall name runs a program.
func IsExec(name string) bool { return name == "execve" || name == "execveat" }

// IsMap reports whether syscall name maps memory (a file mapped executable is recorded "m").
func IsMap(name string) bool { return name == "mmap" || name == "mmap2" }

// InRealDir reports whether the kernel names the files syscall name names through their
// directory's real path (/var/run/x is /run/x), which a recorder resolves itself: opens and
// programs are named after the call from the file opened, looks get no rule.
func InRealDir(name string, s Spec) bool {
	return !s.Open() && !LookOnly(name) && !IsExec(name)
}

// Linux open(2) flags (x86-64 and i386 values), mmap's PROT_EXEC, AT_FDCWD and unlinkat's
// AT_REMOVEDIR.
const (
	OAccMode    = 03
	ORdonly     = 0
	OWronly     = 01
	ORdwr       = 02
	OCreat      = 0100
	OExcl       = 0200
	OTrunc      = 01000
	OAppend     = 02000
	ODirectory  = 0200000
	OPath       = 010000000
	ProtExec    = 0x4
	AtFDCWD     = -100
	AtRemoveDir = 0x200
)

// OpenAccess returns the access letters of open(2) flags.
func OpenAccess(flags uint64) string {
	var a string
	switch flags & OAccMode {
	case ORdonly:
		a = "r"
	case OWronly:
		a = "w"
	default:
		a = "rw"
	}
	if flags&OAppend != 0 && a == "w" {
		a = "a"
	}
	if flags&OCreat != 0 {
		a += "wc"
	}
	if flags&OTrunc != 0 {
		a += "w"
	}
	return profile.MergeAccess("", a)
}

// Mediated reports whether an open with flags is one AppArmor mediates (not O_PATH).
func Mediated(flags uint64) bool { return flags&OPath == 0 }

// MayCreate reports whether an open with flags creates its file when it is not there and
// opens it when it is (O_CREAT without O_EXCL): whether it created it is known only from the
// file system.
func MayCreate(flags uint64) bool { return flags&OCreat != 0 && flags&OExcl == 0 }

// SuccessType returns the type of file a successful call of syscall name shows ("" when the
// call does not say): flags are unlinkat's. Opens are typed from the file opened.
func SuccessType(name string, flags uint64) string {
	switch name {
	case "mkdir", "mkdirat", "rmdir", "chdir", "chroot":
		return profile.FileTypeDir
	case "unlinkat":
		if flags&AtRemoveDir != 0 {
			return profile.FileTypeDir
		}
	case "symlink", "symlinkat":
		return profile.FileTypeSymlink
	case "execve", "execveat":
		return profile.FileTypeRegular
	}
	return ""
}

// MknodType returns the type of the file a successful mknod or mknodat made, from its mode
// argument, the arguments of the call named name (false: not one of them).
func MknodType(name string, args [6]uint64) (string, bool) {
	var mode uint64
	switch name {
	case "mknod":
		mode = args[1]
	case "mknodat":
		mode = args[2]
	default:
		return "", false
	}
	if mode&0o170000 == 0 {
		return profile.FileTypeRegular, true // S_IFREG is implied
	}
	return RawModeType(uint32(mode)), true
}

// NeedsType reports whether a recorder looks up the type of a file a call accessed with
// access and did not type (a removal's file is gone).
func NeedsType(access string) bool {
	return access != "" && !strings.Contains(access, "d")
}

// IsRename reports whether syscall name renames a file (its old name takes the type of the
// new one).
func IsRename(name string) bool { return name == "rename" || name == "renameat" || name == "renameat2" }

// ChangesNames reports whether a successful call of syscall name may change what a name
// resolves to (see RealDirs).
func ChangesNames(name string) bool {
	switch name {
	case "rename", "renameat", "renameat2", "rmdir", "unlink", "unlinkat", "symlink", "symlinkat":
		return true
	}
	return false
}

// Restarted reports whether errno (positive) is one of the kernel's ERESTART* codes: the call
// is made again and did not fail.
func Restarted(errno int64) bool { return errno >= 512 && errno <= 516 }

// FailedAccess returns the access a failed call's file is recorded with in FailedFiles (an
// open of no access letters counts as a read), or "" when the failure is not recorded.
func FailedAccess(open bool, access string) string {
	if open && access == "" {
		return "r"
	}
	return access
}

// ModeType returns the type of a file of mode m.
func ModeType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return profile.FileTypeDir
	case m.IsRegular():
		return profile.FileTypeRegular
	case m&fs.ModeSymlink != 0:
		return profile.FileTypeSymlink
	}
	return profile.FileTypeOther
}

// RawModeType returns the type of a file of the kernel's mode m (an inode's i_mode).
func RawModeType(m uint32) string {
	switch m & 0o170000 {
	case 0o040000:
		return profile.FileTypeDir
	case 0o100000:
		return profile.FileTypeRegular
	case 0o120000:
		return profile.FileTypeSymlink
	}
	return profile.FileTypeOther
}

// LstatType returns the type of the file at path, or "" when it is not there.
func LstatType(path string) string {
	fi, err := os.Lstat(path)
	if err != nil {
		return ""
	}
	return ModeType(fi.Mode())
}
