package profile

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/profgen/profgen/syscalls"
)

// mobyDefault is Docker's default seccomp profile (data/SOURCES.md says which version).
//
//go:embed data/moby-default.json
var mobyDefault []byte

// mobyProfile is the part of Docker's profile format the dangerous set is derived from.
type mobyProfile struct {
	Syscalls []struct {
		Names    []string `json:"names"`
		Action   string   `json:"action"`
		Args     []any    `json:"args"`
		Includes struct {
			Caps []string `json:"caps"`
		} `json:"includes"`
	} `json:"syscalls"`
}

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
	var p mobyProfile
	if err := json.Unmarshal(mobyDefault, &p); err != nil {
		return nil, fmt.Errorf("embedded Docker default profile: %w", err)
	}
	allowedWithoutCap := map[string]bool{}
	for _, r := range p.Syscalls {
		if r.Action != "SCMP_ACT_ALLOW" || len(r.Includes.Caps) > 0 {
			continue
		}
		for _, n := range r.Names {
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
