// Package sizelimit reads input files whole, but never more than a sane size for what they
// are: a link to /dev/zero or a sparse file of gigabytes is an error, not an exhausted machine.
package sizelimit

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// Sane sizes of profgen's inputs. Real ones are far smaller: a seccomp profile lists at most
// a few thousand rules, a recording one entry per distinct file the workload touched.
const (
	SeccompProfile  = 64 << 20
	Recording       = 256 << 20
	AppArmorProfile = 16 << 20
)

// ErrTooLarge is returned for input larger than its limit.
var ErrTooLarge = errors.New("input too large")

// ReadFile reads the file at path, refusing one larger than limit bytes; what names the
// kind of input in the error ("a seccomp profile").
func ReadFile(path string, limit int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not %s", path, what)
	}
	return ReadAll(f, path, limit, what)
}

// ReadAll reads r (named name in errors) to its end, refusing more than limit bytes.
func ReadAll(r io.Reader, name string, limit int64, what string) ([]byte, error) {
	if f, ok := r.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > limit {
			return nil, tooLarge(name, limit, what)
		}
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(name, limit, what)
	}
	return b, nil
}

func tooLarge(name string, limit int64, what string) error {
	return fmt.Errorf("%s: %w: more than %d MiB, the most profgen reads as %s", name, ErrTooLarge, limit>>20, what)
}
