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
	"github.com/profgen/profgen/recorder/filecalls"
)

// capSyscalls are the syscalls, other than the file syscalls (filecalls), whose success shows that the caller
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
	out := make(map[string]bool, len(capSyscalls))
	for _, n := range filecalls.Names() {
		out[n] = true
	}
	for n := range capSyscalls {
		out[n] = true
	}
	return out
}

const maxPathRead = 4096

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
	// dirs caches directories' real paths (see filecalls.RealDirs).
	dirs filecalls.RealDirs
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
	spec, ok := filecalls.Lookup(name)
	if !ok {
		return nil
	}
	if filecalls.IsMap(name) {
		d.mapExec(tid, pid, info)
		return nil
	}
	c := &fileCall{name: name, pid: pid}
	for _, a := range spec.Args {
		access := a.Access
		switch {
		case spec.OpenFlags >= 0:
			c.flags, c.open = info.Args[spec.OpenFlags], true
		case spec.OpenFlags == filecalls.FlagsOpenHow:
			var b [8]byte
			if n, err := readMem(tid, info.Args[2], b[:]); err == nil && n == 8 {
				c.flags, c.open = binary.NativeEndian.Uint64(b[:]), true
			}
		}
		if c.open {
			if !filecalls.Mediated(c.flags) {
				return nil // AppArmor does not mediate O_PATH opens
			}
			access = filecalls.OpenAccess(c.flags)
		}
		rel, ok := d.readString(tid, info.Args[a.Path])
		if !ok {
			continue
		}
		dirfd := filecalls.AtFDCWD
		if a.DirFD >= 0 {
			dirfd = int(int32(info.Args[a.DirFD]))
		}
		path := resolve(tid, dirfd, rel)
		if path == "" {
			continue
		}
		if c.open && filecalls.MayCreate(c.flags) {
			// O_CREAT creates only what is not there.
			if _, err := os.Lstat(path); err == nil {
				access = filecalls.OpenAccess(c.flags &^ filecalls.OCreat)
			}
		}
		if filecalls.InRealDir(name, spec) {
			path = d.dirs.Resolve(path)
		}
		c.paths = append(c.paths, callPath{path: path, access: access})
	}
	if len(c.paths) == 0 {
		return nil
	}
	if filecalls.LookOnly(name) {
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

// exit records the outcome of c, whose syscall returned rval (an error when isErr).
func (d *fileDecoder) exit(tid int, c *fileCall, rval int64, isErr bool) {
	if isErr {
		errno := unix.Errno(-rval)
		if filecalls.Restarted(int64(errno)) {
			return // the call is made again
		}
		d.failed(tid, c, errno)
		return
	}
	if capSyscalls[c.name] {
		d.exitCap(tid, c)
		return
	}
	d.dirs.Changed(c.name)
	for i, cp := range c.paths {
		path, typ := cp.path, ""
		var flags uint64
		if c.name == "unlinkat" && len(c.args) > 0 {
			flags = uint64(c.args[0])
		}
		if c.open {
			path, typ = d.openedFile(tid, int(rval), cp.path, c.flags)
		} else {
			typ = filecalls.SuccessType(c.name, flags)
		}
		if filecalls.IsExec(c.name) {
			// AppArmor names the program by its file, after symbolic links.
			if real, err := filepath.EvalSymlinks(path); err == nil {
				path = real
			}
		}
		d.agg.File(c.pid, path, cp.access)
		if typ == "" && filecalls.NeedsType(cp.access) && !d.agg.FileTypeKnown(path) {
			typ = filecalls.LstatType(path)
		}
		if typ == "" && i == 0 && filecalls.IsRename(c.name) {
			typ = filecalls.LstatType(c.paths[len(c.paths)-1].path) // the file now has the new name
		}
		d.agg.FileType(c.pid, path, typ)
		if d.agg.Created(path) {
			d.checkOwner(tid, c, path, int(rval))
		}
		d.deriveFileCaps(tid, c, path, cp.access)
	}
	if filecalls.IsExec(c.name) {
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
		if access := filecalls.FailedAccess(c.open, cp.access); access != "" {
			d.agg.FileFailed(c.pid, cp.path, access, name)
		}
		if errno == unix.EEXIST && filecalls.LstatType(cp.path) == profile.FileTypeDir {
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
	if flags&filecalls.ODirectory != 0 {
		return name, profile.FileTypeDir
	}
	if d.agg.FileTypeKnown(name) {
		return name, ""
	}
	fi, err := os.Stat(link)
	if err != nil {
		return name, ""
	}
	return name, filecalls.ModeType(fi.Mode())
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

// mapExec records a file mapped executable ("m").
func (d *fileDecoder) mapExec(tid, pid int, info *syscallInfo) {
	fd := int(int32(info.Args[4]))
	if info.Args[2]&filecalls.ProtExec == 0 || fd < 0 {
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
	if dirfd == filecalls.AtFDCWD {
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
