//go:build !linux

package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// MaxNameLen is the longest file name (one path component) profgen writes.
const MaxNameLen = 255

// Write writes data to path: an existing device, pipe or socket is written to; anything else
// is replaced atomically through a temporary file in the same directory, synced, then
// renamed over path. This is the portable form; Linux's keeps modes and owners and resolves
// links and profgen's own descriptors as well.
func Write(path string, data []byte, perm os.FileMode) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return fmt.Errorf("write %s: is a directory", path)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		defer f.Close()
		if _, err := f.Write(data); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return f.Close()
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer dir.Close()
	if err := WriteAt(dir, filepath.Base(path), data, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// IsSpecial reports whether Write would write path in place: an existing device, pipe or
// socket.
func IsSpecial(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.Mode().IsRegular() && !fi.IsDir()
}

// WriteAt replaces the file name in the open directory dir with data atomically.
func WriteAt(dir *os.File, name string, data []byte, perm os.FileMode) (err error) {
	if err := checkName(name); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir.Name(), ".profgen-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), filepath.Join(dir.Name(), name)); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	dir.Sync()
	return nil
}

// SymlinkAt makes name in dir a link to target, replacing what name was.
func SymlinkAt(dir *os.File, target, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	var b [12]byte
	rand.Read(b[:])
	tmp := filepath.Join(dir.Name(), ".profgen-"+hex.EncodeToString(b[:]))
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir.Name(), name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("%q is not a file name", name)
	case len(name) > MaxNameLen:
		return errors.New("file name too long")
	}
	return nil
}

// Umask returns the file mode creation mask new files get: 022 here.
func Umask() uint32 { return 0o022 }
