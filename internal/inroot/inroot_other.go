//go:build !linux

package inroot

import (
	"errors"
	"fmt"
	"os"
)

// ErrUnsafe is returned for a link or a directory others may write to on the way.
var ErrUnsafe = errors.New("unsafe directory")

// errUnsupported: resolving a path inside a root without following links needs Linux's
// openat2 and the *at calls; the host helpers that use it are Linux's (AppArmor, kubelet).
var errUnsupported = errors.New("opening directories inside a root is implemented on Linux only")

// OpenRoot opens the directory path safely; on this system it returns errUnsupported.
func OpenRoot(path string, create bool) (*os.File, error) {
	return nil, fmt.Errorf("open %s: %w", path, errUnsupported)
}

// OpenDir opens the directory rel under root safely; on this system it returns
// errUnsupported.
func OpenDir(root *os.File, rel string, create bool) (*os.File, error) {
	return nil, fmt.Errorf("open %s under %s: %w", rel, root.Name(), errUnsupported)
}
