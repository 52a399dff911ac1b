//go:build linux

// Package inroot opens directories under a root directory given on profgen's command line
// (--root) without following links out of it, and refuses directories that users other than
// root and profgen's own user could change.
package inroot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrUnsafe is returned for a directory that someone else could change under profgen: owned
// by another user, or writable by others, or reached through a link.
var ErrUnsafe = errors.New("unsafe directory")

// OpenRoot opens the directory path, creating what is missing when create is set (mode 0755
// less the umask). Links on the way are followed only when owned by root or profgen's user
// (as the kernel's protected_symlinks does in sticky directories); every directory on the
// way must be owned by one of them and writable by no one else, except a sticky directory
// such as /tmp above the root; the root itself must never be writable by others.
func OpenRoot(path string, create bool) (*os.File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	cur := "/"
	rest := splitPath(abs)
	for hops := 0; len(rest) > 0; {
		c := rest[0]
		rest = rest[1:]
		if c == ".." {
			// cur holds no links: its parent is filepath.Dir(cur); walk there from / again.
			unix.Close(fd)
			if fd, err = unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
				return nil, err
			}
			rest = append(splitPath(filepath.Dir(cur)), rest...)
			cur = "/"
			continue
		}
		if err := checkDir(fd, cur, true); err != nil {
			unix.Close(fd)
			return nil, err
		}
		next := filepath.Join(cur, c)
		var st unix.Stat_t
		err := unix.Fstatat(fd, c, &st, unix.AT_SYMLINK_NOFOLLOW)
		if errors.Is(err, unix.ENOENT) && create {
			if err := unix.Mkdirat(fd, c, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
				unix.Close(fd)
				return nil, fmt.Errorf("create %s: %w", next, err)
			}
			err = unix.Fstatat(fd, c, &st, unix.AT_SYMLINK_NOFOLLOW)
		}
		if err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("open %s: %w", next, err)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			if hops++; hops > 40 {
				unix.Close(fd)
				return nil, fmt.Errorf("open %s: %w", abs, unix.ELOOP)
			}
			if !trustedOwner(st.Uid) {
				unix.Close(fd)
				return nil, fmt.Errorf("%w: %s is a link owned by user %d", ErrUnsafe, next, st.Uid)
			}
			to, err := os.Readlink(next)
			if err != nil {
				unix.Close(fd)
				return nil, err
			}
			if filepath.IsAbs(to) {
				unix.Close(fd)
				fd, err = unix.Open("/", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
				if err != nil {
					return nil, err
				}
				cur = "/"
			}
			rest = append(splitPath(to), rest...)
			continue
		}
		nfd, err := unix.Openat(fd, c, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", next, err)
		}
		fd, cur = nfd, next
	}
	if err := checkDir(fd, cur, false); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), cur), nil
}

// OpenDir opens the directory rel (slash-separated, relative) under root without following
// any link, creating what is missing when create is set. Every directory on the way must be
// safe (see OpenRoot): a link or a directory others may write to is refused.
func OpenDir(root *os.File, rel string, create bool) (*os.File, error) {
	parts := splitPath(rel)
	for _, p := range parts {
		if p == ".." {
			return nil, fmt.Errorf("open %s under %s: %w: a .. component", rel, root.Name(), ErrUnsafe)
		}
	}
	fd, err := unix.Dup(int(root.Fd()))
	if err != nil {
		return nil, err
	}
	cur := root.Name()
	for _, c := range parts {
		if err := checkDir(fd, cur, false); err != nil {
			unix.Close(fd)
			return nil, err
		}
		next := filepath.Join(cur, c)
		nfd, err := openBeneath(fd, c)
		if errors.Is(err, unix.ENOENT) && create {
			if err := unix.Mkdirat(fd, c, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
				unix.Close(fd)
				return nil, fmt.Errorf("create %s: %w", next, err)
			}
			nfd, err = openBeneath(fd, c)
		}
		unix.Close(fd)
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
			return nil, fmt.Errorf("open %s: %w: a link or not a directory", next, ErrUnsafe)
		}
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", next, err)
		}
		fd, cur = nfd, next
	}
	if err := checkDir(fd, cur, false); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), cur), nil
}

// openBeneath opens the directory name in dirfd, never through a link: openat2 with
// RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS, or openat with O_NOFOLLOW on a
// kernel without openat2 (name is one component, never "..", so both stay beneath dirfd).
func openBeneath(dirfd int, name string) (int, error) {
	const flags = unix.O_RDONLY | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC
	fd, err := unix.Openat2(dirfd, name, &unix.OpenHow{
		Flags:   flags,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	})
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		return unix.Openat(dirfd, name, flags, 0)
	}
	return fd, err
}

func splitPath(p string) []string {
	var out []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			out = append(out, c)
		}
	}
	return out
}

func trustedOwner(uid uint32) bool {
	return uid == 0 || int(uid) == os.Geteuid()
}

// checkDir refuses a directory that someone else could change: owned by another user, or
// writable by a group other than root's or profgen's, or by everyone. stickyOK lets a sticky
// world-writable directory above the root pass (others cannot rename or remove what is ours
// in it, and what we walk into next is checked in turn).
func checkDir(fd int, name string, stickyOK bool) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat %s: %w", name, err)
	}
	if !trustedOwner(st.Uid) {
		return fmt.Errorf("%w: %s is owned by user %d", ErrUnsafe, name, st.Uid)
	}
	if stickyOK && st.Mode&unix.S_ISVTX != 0 {
		return nil
	}
	if st.Mode&0o002 != 0 {
		return fmt.Errorf("%w: %s is writable by every user (mode %04o)", ErrUnsafe, name, st.Mode&0o7777)
	}
	if st.Mode&0o020 != 0 && st.Gid != 0 && int(st.Gid) != os.Getegid() {
		return fmt.Errorf("%w: %s is writable by group %d (mode %04o)", ErrUnsafe, name, st.Gid, st.Mode&0o7777)
	}
	return nil
}
