package profile

import (
	_ "embed"
	"fmt"
	"sort"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/syscalls"
)

// mobyDefault is Docker's default seccomp profile (data/SOURCES.md says which version).
//
//go:embed data/moby-default.json
var mobyDefault []byte

var dangerous = sync.OnceValues(deriveDangerous)

// DangerousSyscalls returns, sorted, the syscalls Docker's default profile does not let a
// container call without an added capability: every name in profgen's Linux tables (all
// ABIs) except those it allows unconditionally, with argument conditions (socket, clone,
// personality) or on some architectures, and except the newer syscalls it has not caught up
// with (ENOSYSSyscalls), which are unknown to it rather than blocked for being dangerous.
// Deny-mode profiles deny these by default; diff and check flag them.
func DangerousSyscalls() []string {
	names, err := dangerous()
	if err != nil {
		// The embedded file is part of the build; a test keeps it parseable.
		panic(err)
	}
	return names
}

// IsDangerous reports whether name is in DangerousSyscalls.
func IsDangerous(name string) bool {
	names := DangerousSyscalls()
	i := sort.SearchStrings(names, name)
	return i < len(names) && names[i] == name
}

func deriveDangerous() ([]string, error) {
	p, err := ParseDockerSeccomp(mobyDefault)
	if err != nil {
		return nil, fmt.Errorf("embedded Docker default profile: %w", err)
	}
	allowedWithoutCap := map[string]bool{}
	for _, r := range p.Syscalls {
		if r.Action != specs.ActAllow || r.Includes != nil && len(r.Includes.Caps) > 0 {
			continue
		}
		for _, n := range r.oci().Names {
			allowedWithoutCap[n] = true
		}
	}
	for _, n := range ENOSYSSyscalls() {
		allowedWithoutCap[n] = true
	}
	set := map[string]bool{}
	for _, abi := range syscalls.ABIs() {
		for _, s := range abi.Syscalls() {
			if !allowedWithoutCap[s.Name] && ValidSyscallName(s.Name) {
				set[s.Name] = true
			}
		}
	}
	return sortedSet(set, nil), nil
}
