//go:build linux && amd64

package ebpf

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder"
	"github.com/profgen/profgen/recorder/filecalls"
)

// fmodeCreated is the kernel's FMODE_CREATED: set in the f_mode of a file an open created.
const fmodeCreated = 1 << 20

// errnoEEXIST is EEXIST, as a negative result.
const errnoEEXIST = 17

// fileDecoder turns the records of the paths ring buffer into the aggregator's file events,
// as the ptrace recorder turns the file syscalls of a stopped thread: the same files, access,
// types, failures and owners.
type fileDecoder struct {
	agg *recorder.Aggregator
	// names are the file syscalls by index (abi * maxNr + number).
	names map[uint32]string
	// strs are the strings of the call each thread is in, until its call record.
	strs map[uint32]*callStrings
	dirs filecalls.RealDirs
	// owners are the owners of files seen opened, for a chown (compared before the call).
	owners map[string]uint32
	// walked are the paths the program walked, by id (it sends each once, then its id).
	walked map[uint64]walkedPath
}

type walkedPath struct {
	path  string
	flags uint8
}

// callStrings are the strings the program sent for one call.
type callStrings struct {
	seq   uint64
	str   [nrSlots]string
	flags [nrSlots]uint8
	have  [nrSlots]bool
}

func newFileDecoder(agg *recorder.Aggregator) *fileDecoder {
	return &fileDecoder{agg: agg, names: fileSyscalls(), strs: map[uint32]*callStrings{}, owners: map[string]uint32{},
		walked: map[uint64]walkedPath{}}
}

// add takes one record; a call's record ends it.
func (d *fileDecoder) add(r pathRecord) {
	cs := d.strs[r.tid]
	if cs == nil || cs.seq != r.seq {
		cs = &callStrings{seq: r.seq} // a call whose record was lost leaves its strings here
		d.strs[r.tid] = cs
	}
	if r.kind == recStr {
		switch {
		case r.flags&strRef != 0:
			w, ok := d.walked[r.ref]
			cs.str[r.slot], cs.flags[r.slot], cs.have[r.slot] = w.path, w.flags, ok
		case r.ref != 0:
			d.walked[r.ref] = walkedPath{r.str, r.flags}
			fallthrough
		default:
			cs.str[r.slot], cs.flags[r.slot], cs.have[r.slot] = r.str, r.flags, true
		}
		return
	}
	delete(d.strs, r.tid)
	if r.kind == recExec {
		d.exec(r.call, cs)
		return
	}
	if name := d.names[uint32(r.call.abi)*maxNr+r.call.nr]; name != "" {
		d.call(name, r.call, cs)
	}
}

// path returns string slot of cs, or "" when it was not sent, is no path or was cut short.
func (cs *callStrings) path(slot int) (string, bool) {
	if !cs.have[slot] || cs.flags[slot] != 0 {
		return "", false
	}
	return cs.str[slot], true
}

// exec records the program a process executed, named as the ptrace recorder names it: the
// path execve was given (a script's, not its interpreter's), resolved, after symbolic links;
// the file executed when that name is a descriptor's (fexecve) or cannot be resolved.
func (d *fileDecoder) exec(c fileCallEvent, cs *callStrings) {
	path, ok := d.resolve(cs, 0)
	if ok && !strings.HasPrefix(path, "/dev/fd/") {
		if real, err := filepath.EvalSymlinks(path); err == nil {
			path = real
		}
	} else if path, ok = cs.path(slotFile); !ok || path == "" {
		return
	}
	d.agg.File(c.pid, path, "x")
	d.agg.FileType(c.pid, path, profile.FileTypeRegular)
	if d.agg.Created(path) && !d.owner("execve", c, false, path) {
		d.agg.NotOwner(path)
	}
}

// callPath is one file a call names.
type callPath struct {
	path, access string
}

// call records the file syscall name the program saw end.
func (d *fileDecoder) call(name string, c fileCallEvent, cs *callStrings) {
	spec, _ := filecalls.Lookup(name)
	if filecalls.IsMap(name) {
		if path, ok := cs.path(slotFile); ok && filepath.IsAbs(path) {
			d.agg.File(c.pid, path, "m")
		}
		return
	}
	var flags uint64
	switch {
	case spec.OpenFlags >= 0:
		flags = c.args[spec.OpenFlags]
	case spec.OpenFlags == filecalls.FlagsOpenHow:
		flags = c.howFlags
	}
	open := spec.Open()
	if open && !filecalls.Mediated(flags) {
		return // AppArmor does not mediate O_PATH opens
	}
	var paths []callPath
	for i, a := range spec.Args {
		path, ok := d.resolve(cs, i)
		if !ok && open && c.ret >= 0 {
			// An open that returned a file of a path: the program sent that path alone.
			path, ok = cs.path(slotFile)
		}
		if !ok {
			continue
		}
		access := a.Access
		if open {
			access = filecalls.OpenAccess(flags)
			if filecalls.MayCreate(flags) && !d.created(c, path) {
				access = filecalls.OpenAccess(flags &^ filecalls.OCreat)
			}
		}
		if filecalls.InRealDir(name, spec) {
			path = d.dirs.Resolve(path)
		}
		paths = append(paths, callPath{path: path, access: access})
	}
	switch {
	case len(paths) == 0:
	case filecalls.LookOnly(name):
		for _, cp := range paths {
			d.agg.File(c.pid, cp.path, "")
		}
	case c.ret < 0:
		d.failed(c, open, paths)
	default:
		d.succeeded(name, c, cs, open, flags, paths)
	}
}

// resolve returns path argument i of a call made absolute, or false when the program could
// not read it or the directory it is relative to.
func (d *fileDecoder) resolve(cs *callStrings, i int) (string, bool) {
	rel, ok := cs.path(2 * i)
	if !ok {
		return "", false
	}
	if filepath.IsAbs(rel) {
		return filepath.Clean(rel), true
	}
	base, ok := cs.path(2*i + 1)
	if !ok || !filepath.IsAbs(base) {
		return "", false
	}
	return filepath.Join(base, rel), true
}

// created reports whether an O_CREAT open of path created it: the kernel says so for a file
// opened; after a failure, whether path is there now.
func (d *fileDecoder) created(c fileCallEvent, path string) bool {
	if c.ret >= 0 {
		return c.iMode == 0 || c.fMode&fmodeCreated != 0
	}
	_, err := os.Lstat(path)
	return err != nil
}

// failed records the failure of every file a call names; a mkdir that found a directory there
// records its type.
func (d *fileDecoder) failed(c fileCallEvent, open bool, paths []callPath) {
	errno := -c.ret
	if filecalls.Restarted(errno) {
		return
	}
	name := unix.ErrnoName(unix.Errno(errno))
	if name == "" {
		name = strconv.FormatInt(errno, 10)
	}
	for _, cp := range paths {
		if access := filecalls.FailedAccess(open, cp.access); access != "" {
			d.agg.FileFailed(c.pid, cp.path, access, name)
		}
		if errno == errnoEEXIST && filecalls.LstatType(cp.path) == profile.FileTypeDir {
			d.agg.FileType(c.pid, cp.path, profile.FileTypeDir)
		}
	}
}

// succeeded records the files of a call that succeeded, with their types and owners.
func (d *fileDecoder) succeeded(name string, c fileCallEvent, cs *callStrings, open bool, flags uint64, paths []callPath) {
	d.dirs.Changed(name)
	for i, cp := range paths {
		path, typ := cp.path, ""
		if open {
			path, typ = d.opened(c, cs, path, flags)
		} else if t, ok := filecalls.MknodType(name, c.args); ok {
			typ = t
		} else {
			typ = filecalls.SuccessType(name, c.args[2])
		}
		d.agg.File(c.pid, path, cp.access)
		if typ == "" && filecalls.NeedsType(cp.access) && !d.agg.FileTypeKnown(path) {
			typ = filecalls.LstatType(path)
			if typ == "" && i == 1 {
				// Gone by now: a rename's or link's second name is the first one's file, whose
				// type may be known (a file the workload opened or made).
				typ = d.knownType(paths[0].path)
			}
		}
		if typ == "" && i == 0 && filecalls.IsRename(name) {
			typ = filecalls.LstatType(paths[len(paths)-1].path) // the file now has the new name
		}
		d.agg.FileType(c.pid, path, typ)
		if uid, ok := d.owners[paths[0].path]; ok && i == 1 {
			d.owners[path] = uid // a rename's or link's new name: the same file
		}
		if d.agg.Created(path) && !d.owner(name, c, open, path) {
			d.agg.NotOwner(path)
		}
		if uid, ok := chownUID(name, c.args); ok {
			d.owners[path] = uid
		}
	}
}

// knownType returns the type recorded for path ("" when none is).
func (d *fileDecoder) knownType(path string) string {
	if f := d.agg.Recording().Files[path]; f != nil {
		return f.Type
	}
	return ""
}

// opened returns the kernel's name and the type of the file a successful open returned, or
// path and "" when the program could not say (a pipe, a socket).
func (d *fileDecoder) opened(c fileCallEvent, cs *callStrings, path string, flags uint64) (string, string) {
	name := path
	if p, ok := cs.path(slotFile); ok && filepath.IsAbs(p) {
		name = p
	}
	if c.iMode != 0 {
		d.owners[name] = c.iUID
	}
	switch {
	case flags&filecalls.ODirectory != 0:
		return name, profile.FileTypeDir
	case d.agg.FileTypeKnown(name) || c.iMode == 0:
		return name, ""
	}
	return name, filecalls.RawModeType(c.iMode)
}

// owner reports whether the process that accessed path, a file the workload created, owns it
// by file-system uid, as AppArmor's owner conditional compares them: for an open, the file
// opened; for a chown, the owner before the call (known when the file was seen opened or
// made); otherwise the file's owner now (or, when it is gone already, the last owner seen).
func (d *fileDecoder) owner(name string, c fileCallEvent, open bool, path string) bool {
	if open && c.iMode != 0 {
		return c.iUID == c.fsuid
	}
	if makesInode(name) {
		d.owners[path] = c.fsuid // a new file is its maker's (what happens to it later is not)
		return true
	}
	if _, ok := chownUID(name, c.args); ok {
		if uid, ok := d.owners[path]; ok {
			return uid == c.fsuid
		}
	}
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		// Gone: by this call (a removal, the old name of a rename: as for the ptrace
		// recorder, whose look after the call finds nothing, owned), else before the reader
		// looked: its last owner seen, if any.
		uid, ok := d.owners[path]
		return removes(name) || !ok || uid == c.fsuid
	}
	return st.Uid == c.fsuid
}

// chownUID returns the owner a chown-family call gave its file (false: not a chown, or the
// owner was left as it was).
func chownUID(name string, args [6]uint64) (uint32, bool) {
	i := 1
	switch {
	case name == "fchownat":
		i = 2
	case strings.HasPrefix(name, "chown") || strings.HasPrefix(name, "lchown"):
	default:
		return 0, false
	}
	uid := uint32(args[i])
	return uid, uid != ^uint32(0)
}

// removes reports whether a successful call of syscall name removes the first name it is
// given (unlink, rmdir, the old name of a rename).
func removes(name string) bool {
	s, _ := filecalls.Lookup(name)
	return len(s.Args) > 0 && strings.Contains(s.Args[0].Access, "d")
}

// makesInode reports whether a successful call of syscall name made a new file, owned by the
// caller's fsuid.
func makesInode(name string) bool {
	switch name {
	case "mkdir", "mkdirat", "mknod", "mknodat", "symlink", "symlinkat", "creat":
		return true
	}
	return false
}
