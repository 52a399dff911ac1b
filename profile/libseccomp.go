package profile

import "errors"

// ErrLibseccompUnavailable is returned by the functions that need libseccomp (compiling a
// profile to BPF, loading it) in a build without cgo or on a system other than Linux.
var ErrLibseccompUnavailable = errors.New("libseccomp support is not compiled into this profgen (build on Linux with CGO_ENABLED=1)")

// LibseccompVersion returns the version of the libseccomp library profgen is linked with, or
// ErrLibseccompUnavailable.
func LibseccompVersion() (string, error) { return libseccompVersion() }
