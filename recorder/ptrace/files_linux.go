//go:build linux

package ptrace

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder"
)

// pathArg says where a syscall names a file: the argument holding the path, the one holding
// the directory descriptor it is relative to (-1: the working directory), and the access.
type pathArg struct {
	dirfd, path int
	access      string
}

// pathSpec says how to read the files a syscall names. openFlags, when not negative, is the
// argument holding open(2) flags, from which the access is computed.
type pathSpec struct {
	args      []pathArg
	openFlags int
}

func p(path int, access string) pathArg { return pathArg{dirfd: -1, path: path, access: access} }
func at(dirfd, path int, access string) pathArg {
	return pathArg{dirfd: dirfd, path: path, access: access}
}

// pathSyscalls lists the syscalls whose paths are recorded, by name (the same on every ABI
// that has them). Access letters are profile.AccessLetters; "" records that a path was looked
// at (stat, access) without a permission AppArmor mediates.
var pathSyscalls = map[string]pathSpec{
	"open":       {args: []pathArg{p(0, "")}, openFlags: 1},
	"creat":      {args: []pathArg{p(0, "wc")}, openFlags: -1},
	"openat":     {args: []pathArg{at(0, 1, "")}, openFlags: 2},
	"openat2":    {args: []pathArg{at(0, 1, "")}, openFlags: -2},
	"execve":     {args: []pathArg{p(0, "x")}, openFlags: -1},
	"execveat":   {args: []pathArg{at(0, 1, "x")}, openFlags: -1},
	"stat":       {args: []pathArg{p(0, "")}, openFlags: -1},
	"lstat":      {args: []pathArg{p(0, "")}, openFlags: -1},
	"stat64":     {args: []pathArg{p(0, "")}, openFlags: -1},
	"lstat64":    {args: []pathArg{p(0, "")}, openFlags: -1},
	"newfstatat": {args: []pathArg{at(0, 1, "")}, openFlags: -1},
	"fstatat64":  {args: []pathArg{at(0, 1, "")}, openFlags: -1},
	"statx":      {args: []pathArg{at(0, 1, "")}, openFlags: -1},
	"access":     {args: []pathArg{p(0, "")}, openFlags: -1},
	"faccessat":  {args: []pathArg{at(0, 1, "")}, openFlags: -1},
	"faccessat2": {args: []pathArg{at(0, 1, "")}, openFlags: -1},
	"readlink":   {args: []pathArg{p(0, "r")}, openFlags: -1},
	"readlinkat": {args: []pathArg{at(0, 1, "r")}, openFlags: -1},
	"truncate":   {args: []pathArg{p(0, "w")}, openFlags: -1},
	"truncate64": {args: []pathArg{p(0, "w")}, openFlags: -1},
	"unlink":     {args: []pathArg{p(0, "d")}, openFlags: -1},
	"unlinkat":   {args: []pathArg{at(0, 1, "d")}, openFlags: -1},
	"rmdir":      {args: []pathArg{p(0, "d")}, openFlags: -1},
	"mkdir":      {args: []pathArg{p(0, "wc")}, openFlags: -1},
	"mkdirat":    {args: []pathArg{at(0, 1, "wc")}, openFlags: -1},
	"mknod":      {args: []pathArg{p(0, "wc")}, openFlags: -1},
	"mknodat":    {args: []pathArg{at(0, 1, "wc")}, openFlags: -1},
	"rename":     {args: []pathArg{p(0, "rwd"), p(1, "wc")}, openFlags: -1},
	"renameat":   {args: []pathArg{at(0, 1, "rwd"), at(2, 3, "wc")}, openFlags: -1},
	"renameat2":  {args: []pathArg{at(0, 1, "rwd"), at(2, 3, "wc")}, openFlags: -1},
	"link":       {args: []pathArg{p(0, "r"), p(1, "l")}, openFlags: -1},
	"linkat":     {args: []pathArg{at(0, 1, "r"), at(2, 3, "l")}, openFlags: -1},
	"symlink":    {args: []pathArg{p(1, "wc")}, openFlags: -1},
	"symlinkat":  {args: []pathArg{at(1, 2, "wc")}, openFlags: -1},
	"chmod":      {args: []pathArg{p(0, "w")}, openFlags: -1},
	"fchmodat":   {args: []pathArg{at(0, 1, "w")}, openFlags: -1},
	"fchmodat2":  {args: []pathArg{at(0, 1, "w")}, openFlags: -1},
	"chown":      {args: []pathArg{p(0, "w")}, openFlags: -1},
	"lchown":     {args: []pathArg{p(0, "w")}, openFlags: -1},
	"chown32":    {args: []pathArg{p(0, "w")}, openFlags: -1},
	"lchown32":   {args: []pathArg{p(0, "w")}, openFlags: -1},
	"fchownat":   {args: []pathArg{at(0, 1, "w")}, openFlags: -1},
	"utimes":     {args: []pathArg{p(0, "w")}, openFlags: -1},
	"utime":      {args: []pathArg{p(0, "w")}, openFlags: -1},
	"utimensat":  {args: []pathArg{at(0, 1, "w")}, openFlags: -1},
	"chdir":      {args: []pathArg{p(0, "")}, openFlags: -1},
	"chroot":     {args: []pathArg{p(0, "")}, openFlags: -1},
	"mmap":       {openFlags: -1}, // decoded by mapExec
	"mmap2":      {openFlags: -1},
}

// pathSyscallNames returns the names of the syscalls whose paths are recorded.
func pathSyscallNames() map[string]bool {
	out := make(map[string]bool, len(pathSyscalls))
	for n := range pathSyscalls {
		out[n] = true
	}
	return out
}

// openAccess returns the access letters of open(2) flags.
func openAccess(flags uint64) string {
	var a string
	switch flags & unix.O_ACCMODE {
	case unix.O_RDONLY:
		a = "r"
	case unix.O_WRONLY:
		a = "w"
	default:
		a = "rw"
	}
	if flags&unix.O_APPEND != 0 && a == "w" {
		a = "a"
	}
	if flags&unix.O_CREAT != 0 {
		a += "wc"
	}
	if flags&unix.O_TRUNC != 0 {
		a += "w"
	}
	return profile.MergeAccess("", a)
}

const (
	atFDCWD     = -100
	protExec    = 0x4
	maxPathRead = 4096
)

// fileDecoder reads the paths of file syscalls from a stopped tracee.
type fileDecoder struct {
	agg *recorder.Aggregator
	buf []byte
}

func newFileDecoder(agg *recorder.Aggregator) *fileDecoder {
	return &fileDecoder{agg: agg, buf: make([]byte, maxPathRead)}
}

// decode records the files syscall name (stopped in tid, of process pid) names.
func (d *fileDecoder) decode(tid, pid int, name string, info *syscallInfo) {
	spec, ok := pathSyscalls[name]
	if !ok {
		return
	}
	if name == "mmap" || name == "mmap2" {
		d.mapExec(tid, pid, info)
		return
	}
	for _, a := range spec.args {
		access := a.access
		switch {
		case spec.openFlags >= 0:
			access = openAccess(info.Args[spec.openFlags])
		case spec.openFlags == -2: // openat2: flags are the first field of struct open_how
			var b [8]byte
			if n, err := readMem(tid, info.Args[2], b[:]); err == nil && n == 8 {
				access = openAccess(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24)
			}
		}
		rel, ok := d.readString(tid, info.Args[a.path])
		if !ok {
			continue
		}
		dirfd := atFDCWD
		if a.dirfd >= 0 {
			dirfd = int(int32(info.Args[a.dirfd]))
		}
		if path := resolve(tid, dirfd, rel); path != "" {
			d.agg.File(pid, path, access)
		}
	}
}

// mapExec records a file mapped executable ("m").
func (d *fileDecoder) mapExec(tid, pid int, info *syscallInfo) {
	fd := int(int32(info.Args[4]))
	if info.Args[2]&protExec == 0 || fd < 0 {
		return
	}
	if path, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", tid, fd)); err == nil && filepath.IsAbs(path) {
		d.agg.File(pid, path, "m")
	}
}

// resolve makes rel absolute against dirfd (or the working directory) of tid.
func resolve(tid, dirfd int, rel string) string {
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel)
	}
	var base string
	var err error
	if dirfd == atFDCWD {
		base, err = os.Readlink("/proc/" + strconv.Itoa(tid) + "/cwd")
	} else {
		base, err = os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", tid, dirfd))
	}
	if err != nil || !filepath.IsAbs(base) {
		return ""
	}
	return filepath.Join(base, rel)
}

// readString reads a NUL-terminated string at addr in tid, a page at a time so that a read
// never crosses into an unmapped page.
func (d *fileDecoder) readString(tid int, addr uint64) (string, bool) {
	if addr == 0 {
		return "", false
	}
	var out []byte
	for len(out) < maxPathRead {
		chunk := 4096 - int(addr%4096)
		n, err := readMem(tid, addr, d.buf[:chunk])
		if err != nil || n == 0 {
			return "", false
		}
		if i := bytes.IndexByte(d.buf[:n], 0); i >= 0 {
			out = append(out, d.buf[:i]...)
			return string(out), true
		}
		out = append(out, d.buf[:n]...)
		addr += uint64(n)
	}
	return "", false
}
