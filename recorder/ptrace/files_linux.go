//go:build linux

package ptrace

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
	"readlink":   {args: []pathArg{p(0, "")}, openFlags: -1},
	"readlinkat": {args: []pathArg{at(0, 1, "")}, openFlags: -1},
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

// lookOnly are the path syscalls that only look at a file (stat, access, readlink): their
// paths are recorded at the entry, with no access, without waiting for the exit. AppArmor
// has no hook for readlink (a symbolic link is never opened: the file it names is), so
// reading a link gets no rule.
var lookOnly = map[string]bool{
	"stat": true, "lstat": true, "stat64": true, "lstat64": true, "newfstatat": true,
	"fstatat64": true, "statx": true, "access": true, "faccessat": true, "faccessat2": true,
	"readlink": true, "readlinkat": true,
}

// capSyscalls are the syscalls, other than pathSyscalls, whose success shows that the caller
// had a capability (see deriveCapabilities).
var capSyscalls = map[string]bool{
	"setuid": true, "setgid": true, "setreuid": true, "setregid": true, "setresuid": true,
	"setresgid": true, "setgroups": true, "setuid32": true, "setgid32": true,
	"setreuid32": true, "setregid32": true, "setresuid32": true, "setresgid32": true,
	"setgroups32": true, "fchown": true, "fchown32": true, "bind": true, "socket": true,
	"kill": true, "tkill": true, "tgkill": true,
}

// pathSyscallNames returns the names of the syscalls whose paths (or, for capSyscalls,
// results) are recorded, which must stop the workload even when a baseline allows them.
func pathSyscallNames() map[string]bool {
	out := make(map[string]bool, len(pathSyscalls)+len(capSyscalls))
	for n := range pathSyscalls {
		out[n] = true
	}
	for n := range capSyscalls {
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

// fileDecoder reads the paths of file syscalls from a stopped tracee at their entry, and
// records them at their exit with what the kernel did: accesses that succeeded, the file
// types they showed, failures, and the capabilities a success implies.
type fileDecoder struct {
	agg *recorder.Aggregator
	buf []byte
	// creds caches the ids of root threads for the capability checks; a thread's entry is
	// dropped when its ids may have changed (set*id, exec) or it is gone.
	creds map[int]recorder.Creds
	// checked holds the (check, path) pairs whose capability need was already decided.
	checked map[string]bool
	// unprivPort is the first port a process without net_bind_service may bind.
	unprivPort int
	// dirs caches directories' real paths (see realDir).
	dirs map[string]string
}

func newFileDecoder(agg *recorder.Aggregator) *fileDecoder {
	d := &fileDecoder{agg: agg, buf: make([]byte, maxPathRead), creds: map[int]recorder.Creds{},
		checked: map[string]bool{}, unprivPort: 1024}
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start"); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			d.unprivPort = n
		}
	}
	return d
}

// callPath is one file a syscall names, resolved at its entry.
type callPath struct {
	path   string
	access string
}

// fileCall is what the entry of a syscall showed, kept until its exit.
type fileCall struct {
	name  string
	pid   int
	paths []callPath
	flags uint64 // open flags, for opens
	open  bool
	// creds and ino are the caller's ids and the file's owner before the call (set*id,
	// chown); args holds the ids, port, socket family and type or mknod mode asked for.
	creds *recorder.Creds
	ino   *recorder.Inode
	args  []int64
}

// enter reads the files syscall name (stopped at its entry in tid, of process pid) names.
// It returns nil when the exit need not be seen.
func (d *fileDecoder) enter(tid, pid int, name string, info *syscallInfo) *fileCall {
	if capSyscalls[name] {
		return d.enterCap(tid, pid, name, info)
	}
	spec, ok := pathSyscalls[name]
	if !ok {
		return nil
	}
	if name == "mmap" || name == "mmap2" {
		d.mapExec(tid, pid, info)
		return nil
	}
	c := &fileCall{name: name, pid: pid}
	for _, a := range spec.args {
		access := a.access
		switch {
		case spec.openFlags >= 0:
			c.flags, c.open = info.Args[spec.openFlags], true
		case spec.openFlags == -2: // openat2: flags are the first field of struct open_how
			var b [8]byte
			if n, err := readMem(tid, info.Args[2], b[:]); err == nil && n == 8 {
				c.flags, c.open = binary.NativeEndian.Uint64(b[:]), true
			}
		}
		if c.open {
			if c.flags&unix.O_PATH != 0 {
				return nil // AppArmor does not mediate O_PATH opens
			}
			access = openAccess(c.flags)
		}
		rel, ok := d.readString(tid, info.Args[a.path])
		if !ok {
			continue
		}
		dirfd := atFDCWD
		if a.dirfd >= 0 {
			dirfd = int(int32(info.Args[a.dirfd]))
		}
		path := resolve(tid, dirfd, rel)
		if path == "" {
			continue
		}
		if c.open && c.flags&unix.O_CREAT != 0 && c.flags&unix.O_EXCL == 0 {
			// O_CREAT creates only what is not there.
			if _, err := os.Lstat(path); err == nil {
				access = openAccess(c.flags &^ unix.O_CREAT)
			}
		}
		if !c.open && !lookOnly[name] && name != "execve" && name != "execveat" {
			// The kernel names the file through its directory's real path: /var/run/x is
			// /run/x. (Opens and programs are named after the call, from /proc.)
			path = d.realDir(path)
		}
		c.paths = append(c.paths, callPath{path: path, access: access})
	}
	if len(c.paths) == 0 {
		return nil
	}
	if lookOnly[name] {
		// AppArmor does not mediate these: the path is noted at the entry, with no access,
		// and the exit need not be seen.
		for _, cp := range c.paths {
			d.agg.File(pid, cp.path, "")
		}
		return nil
	}
	switch {
	case strings.HasPrefix(name, "chown") || strings.HasPrefix(name, "lchown") || name == "fchownat":
		uidArg := 1
		if name == "fchownat" {
			uidArg = 2
		}
		c.args = []int64{int64(int32(info.Args[uidArg])), int64(int32(info.Args[uidArg+1]))}
		if cr, err := d.readCreds(tid, false); err == nil {
			c.creds = &cr
		}
		if fi, err := os.Lstat(c.paths[0].path); err == nil {
			c.ino = inodeOf(fi)
		}
	case name == "mknod":
		c.args = []int64{int64(info.Args[1])}
	case name == "mknodat":
		c.args = []int64{int64(info.Args[2])}
	case name == "unlinkat":
		c.args = []int64{int64(info.Args[2])}
	}
	return c
}

// realDir returns path with its directory's symbolic links resolved, as the tracer's root
// sees it (a directory that cannot be resolved is kept as it is). Resolved directories are
// cached until a rename, rmdir, unlink or symlink succeeds.
func (d *fileDecoder) realDir(path string) string {
	dir, base := filepath.Split(path)
	dir = filepath.Clean(dir)
	if dir == "/" || base == "" {
		return path
	}
	real, ok := d.dirs[dir]
	if !ok {
		r, err := filepath.EvalSymlinks(dir)
		if err != nil || !filepath.IsAbs(r) {
			return path
		}
		real = r
		if d.dirs == nil {
			d.dirs = map[string]string{}
		}
		d.dirs[dir] = real
	}
	return filepath.Join(real, base)
}

// dirsChanged drops the resolved directories after a call that may change what a name
// resolves to.
func (d *fileDecoder) dirsChanged(name string) {
	switch name {
	case "rename", "renameat", "renameat2", "rmdir", "unlink", "unlinkat", "symlink", "symlinkat":
		if len(d.dirs) > 0 {
			d.dirs = nil
		}
	}
}

// atRemoveDir is unlinkat's AT_REMOVEDIR flag.
const atRemoveDir = 0x200

// exit records the outcome of c, whose syscall returned rval (an error when isErr).
func (d *fileDecoder) exit(tid int, c *fileCall, rval int64, isErr bool) {
	if isErr {
		errno := unix.Errno(-rval)
		if errno >= 512 && errno <= 516 {
			return // ERESTART*: the call is made again
		}
		d.failed(tid, c, errno)
		return
	}
	if capSyscalls[c.name] {
		d.exitCap(tid, c)
		return
	}
	d.dirsChanged(c.name)
	for i, cp := range c.paths {
		path, typ := cp.path, ""
		switch {
		case c.open:
			path, typ = d.openedFile(tid, int(rval), cp.path, c.flags)
		case c.name == "mkdir" || c.name == "mkdirat" || c.name == "rmdir" || c.name == "chdir" || c.name == "chroot":
			typ = profile.FileTypeDir
		case c.name == "unlinkat" && len(c.args) > 0 && c.args[0]&atRemoveDir != 0:
			typ = profile.FileTypeDir
		case c.name == "symlink" || c.name == "symlinkat":
			typ = profile.FileTypeSymlink
		case c.name == "execve" || c.name == "execveat":
			// AppArmor names the program by its file, after symbolic links.
			if real, err := filepath.EvalSymlinks(path); err == nil {
				path = real
			}
			typ = profile.FileTypeRegular
		}
		d.agg.File(c.pid, path, cp.access)
		if typ == "" && cp.access != "" && !strings.Contains(cp.access, "d") && !d.agg.FileTypeKnown(path) {
			typ = lstatType(path)
		}
		if typ == "" && i == 0 && (c.name == "rename" || c.name == "renameat" || c.name == "renameat2") {
			typ = lstatType(c.paths[len(c.paths)-1].path) // the file now has the new name
		}
		d.agg.FileType(c.pid, path, typ)
		if d.agg.Created(path) {
			d.checkOwner(tid, c, path, int(rval))
		}
		d.deriveFileCaps(tid, c, path, cp.access)
	}
	if c.name == "execve" || c.name == "execveat" {
		delete(d.creds, tid) // a set-user-id program changes them
	}
}

// failed records the failure of every file c names; a mkdir that found something there
// records its type.
func (d *fileDecoder) failed(tid int, c *fileCall, errno unix.Errno) {
	if capSyscalls[c.name] {
		return
	}
	name := unix.ErrnoName(errno)
	if name == "" {
		name = strconv.Itoa(int(errno))
	}
	for _, cp := range c.paths {
		access := cp.access
		if c.open && access == "" {
			access = "r"
		}
		if access != "" {
			d.agg.FileFailed(c.pid, cp.path, access, name)
		}
		if errno == unix.EEXIST && lstatType(cp.path) == profile.FileTypeDir {
			// mkdir found a directory there (a type, not an access: no rule)
			d.agg.FileType(c.pid, cp.path, profile.FileTypeDir)
		}
	}
}

// openedFile returns the kernel's name and the type of the file tid opened as fd, or path
// and "" when /proc does not say (a pipe, a file removed meanwhile).
func (d *fileDecoder) openedFile(tid, fd int, path string, flags uint64) (string, string) {
	link := fmt.Sprintf("/proc/%d/fd/%d", tid, fd)
	name := path
	if l, err := os.Readlink(link); err == nil && filepath.IsAbs(l) && !strings.HasSuffix(l, " (deleted)") {
		name = l
	}
	if flags&unix.O_DIRECTORY != 0 {
		return name, profile.FileTypeDir
	}
	if d.agg.FileTypeKnown(name) {
		return name, ""
	}
	fi, err := os.Stat(link)
	if err != nil {
		return name, ""
	}
	return name, fileType(fi.Mode())
}

// checkOwner notes when the process that accessed path, a file the workload created, is not
// its owner by file-system uid, as AppArmor's owner conditional compares them.
func (d *fileDecoder) checkOwner(tid int, c *fileCall, path string, fd int) {
	cr, err := d.readCreds(tid, false)
	if err != nil {
		return
	}
	if c.ino != nil {
		// chown: AppArmor compared with the owner before the call
		if c.ino.UID != cr.FSUID {
			d.agg.NotOwner(path)
		}
		return
	}
	var fi os.FileInfo
	if c.open {
		fi, err = os.Stat(fmt.Sprintf("/proc/%d/fd/%d", tid, fd))
	} else {
		fi, err = os.Lstat(path)
	}
	if err == nil && inodeOf(fi).UID != cr.FSUID {
		d.agg.NotOwner(path)
	}
}

// lstatType returns the type of the file at path, or "" when it is not there.
func lstatType(path string) string {
	fi, err := os.Lstat(path)
	if err != nil {
		return ""
	}
	return fileType(fi.Mode())
}

func fileType(m os.FileMode) string {
	switch {
	case m.IsDir():
		return profile.FileTypeDir
	case m.IsRegular():
		return profile.FileTypeRegular
	case m&os.ModeSymlink != 0:
		return profile.FileTypeSymlink
	}
	return profile.FileTypeOther
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
