//go:build linux

// Package atomicfile is profgen's one output function. A reader of a regular file sees either
// the old content or the new, never a mix: a temporary file with an unpredictable name in the
// same directory, fsync, rename, fsync of the directory. A device, pipe or socket is written
// to, never renamed over; profgen's own standard output or error, however named, is written
// to as "-" would be.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// MaxNameLen is the longest file name (one path component) Linux file systems accept.
const MaxNameLen = 255

// Write writes data to path, the way every profgen output is written:
//   - /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N name one of profgen's own open
//     descriptors: data is written to that descriptor, as to "-" (so a standard output
//     opened for appending, `>> log`, is appended to, never replaced or overwritten);
//   - an existing character or block device, pipe or socket is opened and written to; it is
//     never replaced;
//   - anything else is a regular file, replaced atomically (a link to a regular file
//     replaces the file it names, and stays a link). A replaced file keeps its mode and
//     owner; a new file gets perm less the umask.
//
// On any failure an existing file is left as it was and the temporary file is removed.
func Write(path string, data []byte, perm os.FileMode) error {
	if fd, ok := ownDescriptor(path); ok {
		if err := writeDescriptor(fd, data); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return fmt.Errorf("write %s: is a directory", path)
		}
		done, err := writeSpecial(path, data)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if done {
			return nil
		}
	}
	target, err := resolveLinks(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	dir, err := os.OpenFile(filepath.Dir(target), os.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer dir.Close()
	if err := WriteAt(dir, filepath.Base(target), data, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// IsSpecial reports whether Write would write path in place rather than replace a regular
// file: one of profgen's own descriptors, or an existing device, pipe or socket.
func IsSpecial(path string) bool {
	if _, ok := ownDescriptor(path); ok {
		return true
	}
	fi, err := os.Stat(path)
	return err == nil && !fi.Mode().IsRegular() && !fi.IsDir()
}

// ownDescriptor recognises the names of this process's own descriptors.
func ownDescriptor(path string) (int, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, false
	}
	switch abs {
	case "/dev/stdout":
		return 1, true
	case "/dev/stderr":
		return 2, true
	}
	for _, prefix := range []string{"/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/", "/proc/" + strconv.Itoa(os.Getpid()) + "/fd/"} {
		if rest, ok := strings.CutPrefix(abs, prefix); ok {
			if n, err := strconv.Atoi(rest); err == nil && n >= 0 && strconv.Itoa(n) == rest {
				return n, true
			}
		}
	}
	return 0, false
}

// writeDescriptor writes all of data to a duplicate of fd, at its offset (or its end, when
// it was opened for appending).
func writeDescriptor(fd int, data []byte) error {
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return fmt.Errorf("descriptor %d: %w", fd, err)
	}
	if fl&unix.O_ACCMODE == unix.O_RDONLY {
		return fmt.Errorf("descriptor %d is not open for writing", fd)
	}
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return fmt.Errorf("descriptor %d: %w", fd, err)
	}
	f := os.NewFile(uintptr(dup), "descriptor "+strconv.Itoa(fd))
	defer f.Close()
	_, err = f.Write(data)
	return err
}

// writeSpecial writes data to an existing device, pipe or socket. It reports false when
// what it opened turned out to be a regular file (replaced meanwhile): the caller replaces it.
func writeSpecial(path string, data []byte) (bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	if fi.Mode().IsRegular() {
		return false, nil
	}
	if _, err := f.Write(data); err != nil {
		return false, err
	}
	return true, f.Close()
}

// resolveLinks follows symbolic links at the end of path (a dangling link names the file it
// would create), so that replacing the file keeps the link.
func resolveLinks(path string) (string, error) {
	for range 40 {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			return path, nil
		}
		to, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(path), to)
		}
		path = to
	}
	return "", unix.ELOOP
}

// WriteAt replaces the regular file name in the open directory dir with data atomically,
// through a temporary file with an unpredictable name in dir. An existing regular file keeps
// its mode and owner; a new file gets perm less the umask. A link, device or other entry
// named name is replaced, never written through.
func WriteAt(dir *os.File, name string, data []byte, perm os.FileMode) (err error) {
	if err := checkName(name); err != nil {
		return err
	}
	dfd := int(dir.Fd())
	mode := uint32(perm.Perm()) &^ Umask()
	uid, gid := -1, -1
	var st unix.Stat_t
	if unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			return fmt.Errorf("%s is a directory", name)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFREG {
			mode = st.Mode & 0o7777
			uid, gid = int(st.Uid), int(st.Gid)
		}
	}
	tmpName, f, err := createTemp(dfd)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			unix.Unlinkat(dfd, tmpName, 0)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if uid >= 0 && (uid != os.Geteuid() || gid != os.Getegid()) {
		if err = f.Chown(uid, gid); err != nil && os.Geteuid() != 0 {
			err = nil // an ordinary user cannot give a file away; it becomes theirs
		} else if err != nil {
			return fmt.Errorf("keep owner of %s: %w", name, err)
		}
	}
	// After chown, which clears set-id bits.
	if err = unix.Fchmod(int(f.Fd()), mode); err != nil {
		return fmt.Errorf("set mode of %s: %w", name, err)
	}
	if err = syncFile(f); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = renameAt(dfd, tmpName, name); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	syncDir(dir)
	return nil
}

// The steps of WriteAt whose order makes it atomic and durable, replaceable by tests: the
// data reaches the disk before the rename makes it the file, and the rename reaches the disk
// before WriteAt returns (a directory that cannot be synced is not an error: the file is in
// place).
var (
	syncFile = (*os.File).Sync
	renameAt = func(dfd int, from, to string) error { return unix.Renameat(dfd, from, dfd, to) }
	syncDir  = func(dir *os.File) { dir.Sync() }
)

// SymlinkAt makes name in dir a link to target, atomically replacing what name was, through
// a temporary link with an unpredictable name.
func SymlinkAt(dir *os.File, target, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	dfd := int(dir.Fd())
	for range 10 {
		tmp := tempName()
		err := unix.Symlinkat(target, dfd, tmp)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return err
		}
		if err := unix.Renameat(dfd, tmp, dfd, name); err != nil {
			unix.Unlinkat(dfd, tmp, 0)
			return err
		}
		dir.Sync()
		return nil
	}
	return errors.New("no free temporary name")
}

func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("%q is not a file name", name)
	case len(name) > MaxNameLen:
		return fmt.Errorf("file name %.20q... is %d bytes, longer than %d", name, len(name), MaxNameLen)
	}
	return nil
}

// tempName is an unpredictable name of fixed length, whatever the final name's length.
func tempName() string {
	var b [12]byte
	rand.Read(b[:])
	return ".profgen-" + hex.EncodeToString(b[:])
}

func createTemp(dfd int) (string, *os.File, error) {
	for range 10 {
		name := tempName()
		fd, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("create temporary file: %w", err)
		}
		return name, os.NewFile(uintptr(fd), name), nil
	}
	return "", nil, errors.New("create temporary file: no free name")
}

// Umask returns the process's file mode creation mask, read from /proc/self/status (so that
// it is not changed, even for a moment, while other threads create files); 022 if unknown.
func Umask() uint32 {
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Umask:"); ok {
				if n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return uint32(n)
				}
			}
		}
	}
	return 0o022
}
