package recorder

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/gcpause"
	"github.com/profgen/profgen/internal/sizelimit"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// LoadBaseline reads the syscalls a previous run already needed, from a recording file or
// from an OCI seccomp profile (the syscalls it allows, on its architectures, or on the
// machine's ABI family when it lists none). Only the syscall sets of the result are filled.
func LoadBaseline(path string) (*profile.Recording, error) {
	data, err := sizelimit.ReadFile(path, sizelimit.Recording, "a baseline")
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	// A recording with its files is megabytes of JSON, parsed before the workload starts:
	// collecting meanwhile cost 8 ms of a 1.6 MB one's 40 ms start-up.
	defer gcpause.Pause()()
	r, err := ParseBaseline(data)
	if err != nil {
		return nil, fmt.Errorf("read baseline %s: %w", path, err)
	}
	return r, nil
}

// ParseBaseline is LoadBaseline for a file's content.
func ParseBaseline(data []byte) (*profile.Recording, error) {
	rec, p, err := profile.ParseRecordingOrSeccomp(data)
	if err != nil {
		return nil, err
	}
	if rec != nil {
		return rec, nil
	}
	return BaselineFromSeccomp(p), nil
}

// BaselineFromSeccomp returns the syscalls a seccomp profile allows unconditionally (rules
// with SCMP_ACT_ALLOW and no argument conditions), per ABI.
func BaselineFromSeccomp(p *specs.LinuxSeccomp) *profile.Recording {
	r := profile.NewRecording("profgen", "baseline")
	var abis []syscalls.ABI
	for _, a := range p.Architectures {
		if abi, err := syscalls.ABIFromSCMPArch(string(a)); err == nil {
			abis = append(abis, abi)
		}
	}
	if len(abis) == 0 {
		abis = syscalls.Native().Family()
	}
	for _, sc := range p.Syscalls {
		if sc.Action != specs.ActAllow || len(sc.Args) > 0 {
			continue
		}
		for _, name := range sc.Names {
			for _, abi := range abis {
				if abi.Has(name) {
					r.AddSyscall(abi, name, 0, profile.Process{})
				}
			}
		}
	}
	return r
}

// WithBaseline returns base and rec merged, and the syscalls of rec that base lacks
// ("abi:name", sorted by ABI then name). A run recorded with a baseline stops only at calls
// outside it, so its recording holds the additions alone; merged with the baseline it makes
// complete profiles. The merged recording keeps rec's source and says in a warning where the
// baseline's counts and arguments came from (basePath).
func WithBaseline(rec, base *profile.Recording, basePath string) (merged *profile.Recording, added []string) {
	for _, abi := range rec.ABIs() {
		for _, name := range rec.SyscallNames(abi) {
			if base.Syscalls[abi][name] == nil {
				added = append(added, string(abi)+":"+name)
			}
		}
	}
	merged = profile.NewRecording(rec.Source.Tool, rec.Source.Backend)
	merged.Source = rec.Source
	merged.Source.Warnings = append(append([]string(nil), rec.Source.Warnings...),
		"recorded with baseline "+basePath+": its syscalls ran without stopping, so their counts and arguments come from the baseline")
	merged.Merge(base)
	merged.Merge(rec)
	return merged, added
}
