package recorder

import (
	"encoding/json"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// LoadBaseline reads the syscalls a previous run already needed, from a recording file or
// from an OCI seccomp profile (the syscalls it allows, on its architectures, or on the
// machine's ABI family when it lists none). Only the syscall sets of the result are filled.
func LoadBaseline(path string) (*profile.Recording, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read baseline: %w", err)
	}
	r, err := ParseBaseline(data)
	if err != nil {
		return nil, fmt.Errorf("read baseline %s: %w", path, err)
	}
	return r, nil
}

// ParseBaseline is LoadBaseline for a file's content.
func ParseBaseline(data []byte) (*profile.Recording, error) {
	var head struct {
		Kind string `json:"kind"`
	}
	if json.Unmarshal(data, &head) == nil && head.Kind == profile.RecordingKind {
		return profile.ParseRecording(data)
	}
	p, err := profile.ParseSeccomp(data)
	if err != nil {
		return nil, fmt.Errorf("neither a recording nor a seccomp profile: %w", err)
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
