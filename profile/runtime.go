package profile

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/profgen/profgen/syscalls"
)

// Runtimes lists the values of SeccompOptions.Runtime.
var Runtimes = []string{"none", "runc", "crun"}

//go:embed data/runtime-*.json
var runtimeData embed.FS

// RuntimeSet is the set of syscalls an OCI runtime makes itself after it loads a container's
// seccomp filter and before it execs the workload, as measured on one runtime version. A
// profile without them stops the container before the workload starts.
type RuntimeSet struct {
	Runtime string `json:"runtime"`
	// Version is the runtime's version as its --version printed it, and its Debian package.
	Version string `json:"version"`
	// Measured says when, on what, and how the set was measured.
	Measured    string `json:"measured"`
	Method      string `json:"method"`
	Environment string `json:"environment"`
	// Syscalls maps an ABI to the sorted names measured on it.
	Syscalls map[syscalls.ABI][]string `json:"syscalls"`
}

// RuntimeBaseSet returns the measured base set of runtime (runc or crun), or nil for "" and
// "none".
func RuntimeBaseSet(runtime string) (*RuntimeSet, error) {
	switch runtime {
	case "", "none":
		return nil, nil
	case "runc", "crun":
	default:
		return nil, fmt.Errorf("unknown runtime %q (want %s)", runtime, strings.Join(Runtimes, ", "))
	}
	data, err := runtimeData.ReadFile("data/runtime-" + runtime + ".json")
	if err != nil {
		return nil, fmt.Errorf("runtime %s: no measured base set in this build: %w", runtime, err)
	}
	var s RuntimeSet
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("runtime %s base set: %w", runtime, err)
	}
	return &s, nil
}

// Encode returns the set as the files in data/ hold it: indented JSON with a trailing newline.
func (s *RuntimeSet) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode runtime %s base set: %w", s.Runtime, err)
	}
	return append(b, '\n'), nil
}

// ABIs returns the ABIs the set was measured on, sorted.
func (s *RuntimeSet) ABIs() []string {
	out := make([]string, 0, len(s.Syscalls))
	for a := range s.Syscalls {
		out = append(out, string(a))
	}
	sort.Strings(out)
	return out
}

// Names returns the base set for abi and whether it was measured there. For an ABI it was not
// measured on, it returns the names measured on any ABI that exist on abi, since a runtime
// makes the same calls through whatever numbers its architecture gives them.
func (s *RuntimeSet) Names(abi syscalls.ABI) ([]string, bool) {
	if l, ok := s.Syscalls[abi]; ok {
		return l, true
	}
	set := map[string]bool{}
	for _, l := range s.Syscalls {
		for _, n := range l {
			if _, err := abi.Number(n); err == nil {
				set[n] = true
			}
		}
	}
	return sortedSet(set, nil), false
}
