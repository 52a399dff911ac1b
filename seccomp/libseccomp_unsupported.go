//go:build !(linux && cgo)

package seccomp

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/syscalls"
)

func libseccompVersion() (string, error) { return "", ErrLibseccompUnavailable }

func compileSeccomp(*specs.LinuxSeccomp, syscalls.ABI) ([]byte, []string, error) {
	return nil, nil, ErrLibseccompUnavailable
}

func execWithSeccomp(*specs.LinuxSeccomp, []string, []string) error {
	return ErrLibseccompUnavailable
}
