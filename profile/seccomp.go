package profile

import (
	"encoding/json"
	"fmt"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/syscalls"
)

// SeccompOptions controls how a seccomp profile is made from a recording.
type SeccompOptions struct {
	// Mode is allow (the default), deny, log or complain.
	Mode string
}

// alwaysAllowed are allowed in every allow-list profile: without them no process can exit or
// return from a signal handler.
var alwaysAllowed = []string{"exit", "exit_group", "rt_sigreturn"}

// GenerateSeccomp makes an OCI runtime-spec seccomp profile from rec.
func GenerateSeccomp(rec *Recording, opts SeccompOptions) (*specs.LinuxSeccomp, error) {
	switch opts.Mode {
	case "", "allow":
	default:
		return nil, fmt.Errorf("generate seccomp profile: unknown mode %q (want allow)", opts.Mode)
	}
	abis := rec.ABIs()
	if len(abis) == 0 {
		return nil, fmt.Errorf("generate seccomp profile: the recording has no syscalls")
	}
	errno := uint(1)
	prof := &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: &errno}
	archSet := map[syscalls.ABI]bool{}
	names := map[string]bool{}
	for _, abi := range abis {
		for _, a := range abi.Family() {
			archSet[a] = true
		}
		for _, n := range rec.SyscallNames(abi) {
			names[n] = true
		}
	}
	for _, n := range alwaysAllowed {
		names[n] = true
	}
	for a := range archSet {
		prof.Architectures = append(prof.Architectures, specs.Arch(a.SCMPArch()))
	}
	sort.Slice(prof.Architectures, func(i, j int) bool { return prof.Architectures[i] < prof.Architectures[j] })
	allowed := make([]string, 0, len(names))
	for n := range names {
		allowed = append(allowed, n)
	}
	sort.Strings(allowed)
	prof.Syscalls = []specs.LinuxSyscall{{Names: allowed, Action: specs.ActAllow}}
	return prof, nil
}

// MarshalSeccomp encodes a profile as indented JSON with a trailing newline.
func MarshalSeccomp(p *specs.LinuxSeccomp) ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode seccomp profile: %w", err)
	}
	return append(b, '\n'), nil
}
