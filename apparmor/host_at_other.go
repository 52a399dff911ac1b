//go:build !linux

package apparmor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// removeLinkAt removes the symbolic link name in dir (shown as path in errors); a missing
// name is not an error, anything there that is not a link is left alone and reported.
func removeLinkAt(dir *os.File, name, path string) error {
	full := filepath.Join(dir.Name(), name)
	fi, err := os.Lstat(full)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return fmt.Errorf("%s is not a link; left alone", path)
	}
	if err := os.Remove(full); err != nil {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}

// openNoFollowAt opens name in dir for reading, refusing a link.
func openNoFollowAt(dir *os.File, name string) (*os.File, error) {
	full := filepath.Join(dir.Name(), name)
	if fi, err := os.Lstat(full); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("%s is a link", full)
	}
	return os.Open(full)
}
