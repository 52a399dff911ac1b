package profile

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/syscalls"
)

// Runtimes lists the values of SeccompOptions.Runtime.
var Runtimes = []string{"none", "runc", "crun"}

//go:embed data/runtime-*.json
var runtimeData embed.FS

// RuntimeSet is the set of syscalls an OCI runtime makes itself after it loads a container's
// seccomp filter and before it execs the workload, as measured on one runtime version. A
// profile without them stops the container before the workload starts.
//
// The set depends on the container's process.noNewPrivileges. With false (what Docker and
// Kubernetes use unless allowPrivilegeEscalation: false is set) runc loads the filter before
// it drops capabilities and changes user, so capget, capset, setgroups, setuid ... run under
// it; with true it loads the filter last. A file in data/ holds one set: runtime-NAME.json
// for noNewPrivileges false, runtime-NAME-nnp.json for true (RuntimeSetFile).
type RuntimeSet struct {
	Runtime string `json:"runtime"`
	// NoNewPrivileges is the process.noNewPrivileges of the containers measured.
	NoNewPrivileges bool `json:"noNewPrivileges"`
	// Version is the runtime's version as its --version printed it, and its Debian package.
	Version string `json:"version"`
	// Measured says when, on what, and how the set was measured.
	Measured    string `json:"measured"`
	Method      string `json:"method"`
	Environment string `json:"environment"`
	// Syscalls maps an ABI to the sorted names measured on it.
	Syscalls map[syscalls.ABI][]string `json:"syscalls"`
}

// RuntimeSetFile is the name of the file in data/ that holds runtime's base set measured with
// process.noNewPrivileges set as given.
func RuntimeSetFile(runtime string, noNewPrivileges bool) string {
	if noNewPrivileges {
		return "runtime-" + runtime + "-nnp.json"
	}
	return "runtime-" + runtime + ".json"
}

// RuntimeBaseSet returns the measured base set of runtime (runc or crun) for containers whose
// process.noNewPrivileges is as given, or nil for "" and "none".
func RuntimeBaseSet(runtime string, noNewPrivileges bool) (*RuntimeSet, error) {
	switch runtime {
	case "", "none":
		return nil, nil
	case "runc", "crun":
	default:
		return nil, fmt.Errorf("unknown runtime %q (want %s)", runtime, strings.Join(Runtimes, ", "))
	}
	file := RuntimeSetFile(runtime, noNewPrivileges)
	data, err := runtimeData.ReadFile("data/" + file)
	if err != nil {
		return nil, fmt.Errorf("runtime %s: no measured base set in this build: %w", runtime, err)
	}
	s, err := ParseRuntimeSet(data)
	if err != nil {
		return nil, fmt.Errorf("runtime %s base set %s: %w", runtime, file, err)
	}
	if s.NoNewPrivileges != noNewPrivileges {
		return nil, fmt.Errorf("runtime %s base set %s: measured with noNewPrivileges %v", runtime, file, s.NoNewPrivileges)
	}
	return s, nil
}

// runtimeSetsFor returns the base sets a profile for runtime gets. With noNewPrivileges true
// that is the set measured so. With false it is that set and the one measured with true:
// runc and crun then load the filter earlier in the same sequence of calls, so whatever they
// call after the late load they also call after the early one (runc's Go runtime makes a
// futex call in some runs and not in others: measured with true, not with false).
func runtimeSetsFor(runtime string, noNewPrivileges bool) ([]*RuntimeSet, error) {
	var out []*RuntimeSet
	for _, nnp := range []bool{noNewPrivileges, true} {
		s, err := RuntimeBaseSet(runtime, nnp)
		if err != nil {
			return nil, err
		}
		if s != nil {
			out = append(out, s)
		}
		if noNewPrivileges {
			break
		}
	}
	return out, nil
}

// RuntimeBaseSets returns every shipped base set, runtimes in the order of Runtimes,
// noNewPrivileges false first.
func RuntimeBaseSets() ([]*RuntimeSet, error) {
	var out []*RuntimeSet
	for _, rt := range Runtimes {
		for _, nnp := range []bool{false, true} {
			s, err := RuntimeBaseSet(rt, nnp)
			if err != nil {
				return nil, err
			}
			if s != nil {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// ParseRuntimeSet decodes a base set file (the form Encode writes). Unknown fields, ABIs
// without a table and malformed syscall names are errors.
func ParseRuntimeSet(data []byte) (*RuntimeSet, error) {
	var s RuntimeSet
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("decode runtime base set: %w", err)
	}
	if s.Runtime == "" {
		return nil, fmt.Errorf("decode runtime base set: no runtime")
	}
	for abi, names := range s.Syscalls {
		if !abi.HasTable() {
			return nil, fmt.Errorf("decode runtime base set: %w %q", syscalls.ErrUnknownABI, string(abi))
		}
		for _, n := range names {
			if _, err := abi.Number(n); err != nil {
				return nil, fmt.Errorf("decode runtime base set: %s: %w", abi, err)
			}
		}
	}
	return &s, nil
}

// Label names the set as a user would: "runc (noNewPrivileges false)".
func (s *RuntimeSet) Label() string {
	return fmt.Sprintf("%s (noNewPrivileges %v)", s.Runtime, s.NoNewPrivileges)
}

// Encode returns the set as the files in data/ hold it: indented JSON with a trailing newline.
func (s *RuntimeSet) Encode() ([]byte, error) {
	// Not HTML-escaped: the method holds shell command lines ("&&", "<").
	var b bytes.Buffer
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	e.SetIndent("", "  ")
	if err := e.Encode(s); err != nil {
		return nil, fmt.Errorf("encode runtime %s base set: %w", s.Runtime, err)
	}
	return b.Bytes(), nil
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

// RuntimeSetWarning returns one line for a user when p stops syscalls by default and lacks
// part of every shipped base set measured with noNewPrivileges false (Docker's and
// Kubernetes' default), so that neither runc nor crun can start such a container under it;
// "" otherwise. The line names the sets p does hold, what each runtime lacks, and how to add
// it.
func RuntimeSetWarning(p *specs.LinuxSeccomp) string {
	if permits(p.DefaultAction) {
		return ""
	}
	sets, err := RuntimeBaseSets()
	if err != nil || len(sets) == 0 {
		return ""
	}
	permitted := PermittedSets(p)
	var lacks, holds []string
	for _, base := range sets {
		missing := missingFromProfile(base, permitted)
		switch {
		case len(missing) == 0 && !base.NoNewPrivileges:
			return ""
		case len(missing) == 0:
			holds = append(holds, base.Label())
		case !base.NoNewPrivileges:
			lacks = append(lacks, base.Runtime+" lacks "+strings.Join(missing, " "))
		}
	}
	who := "no container runtime profgen knows"
	if len(holds) > 0 {
		who = "only " + strings.Join(holds, " and ")
	}
	return who + " can start a container under this profile (runc says \"operation not permitted\"); with noNewPrivileges false, " +
		"Kubernetes' default, " + strings.Join(lacks, "; ") + ": generate it with --runtime runc or --runtime crun"
}

// missingFromProfile returns, sorted, the names of base that permitted lacks on the profile's
// ABIs the set was measured on (or, when it was measured on none of them, on each of them).
func missingFromProfile(base *RuntimeSet, permitted SyscallSets) []string {
	var abis []syscalls.ABI
	for abi := range permitted {
		if _, ok := base.Syscalls[abi]; ok {
			abis = append(abis, abi)
		}
	}
	if len(abis) == 0 {
		for abi := range permitted {
			abis = append(abis, abi)
		}
	}
	missing := map[string]bool{}
	for _, abi := range abis {
		names, _ := base.Names(abi)
		for _, n := range names {
			if !permitted[abi][n] {
				missing[n] = true
			}
		}
	}
	return sortedSet(missing, nil)
}
