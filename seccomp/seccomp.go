package seccomp

import (
	"errors"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/syscalls"
)

// ErrLibseccompUnavailable is returned by the functions that need libseccomp (compiling a
// profile to BPF, loading it) in a build without cgo or on a system other than Linux.
var ErrLibseccompUnavailable = errors.New("libseccomp support is not compiled into this profgen (build on Linux with CGO_ENABLED=1)")

// ErrArchUnsupported is returned, wrapped, when the linked libseccomp cannot compile a filter
// for an architecture (libseccomp 2.5 has no loongarch64, m68k, sh or sheb): the profile may
// be right, this machine cannot prove it.
var ErrArchUnsupported = errors.New("architecture not supported by the linked libseccomp")

// LibseccompVersion returns the version of the libseccomp library profgen is linked with, or
// ErrLibseccompUnavailable.
func LibseccompVersion() (string, error) { return libseccompVersion() }

// Compile compiles p with libseccomp the way runc does (rules whose action is the
// default are left out; names a libseccomp build does not know are skipped) and returns the
// BPF program. With abi set, only that architecture is compiled, and the names libseccomp does
// not know on it are returned sorted in unknown; with abi empty every architecture of the
// profile is compiled into one filter, as a runtime would load it.
func Compile(p *specs.LinuxSeccomp, abi syscalls.ABI) (bpf []byte, unknown []string, err error) {
	return compileSeccomp(p, abi)
}

// Exec compiles p with libseccomp, installs it with no_new_privs on the calling
// OS thread only, and replaces the process with argv[0] (looked up on PATH) run with argv
// and env; the new program keeps the filter. It returns only on failure. Between loading and
// exec the thread makes execve and, to restore the open-file limit the Go runtime raised,
// one prlimit64 (whose failure is harmless), so the profile must allow execve.
func Exec(p *specs.LinuxSeccomp, argv, env []string) error {
	return execWithSeccomp(p, argv, env)
}
