package seccomp

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// essentialSyscalls are the calls without which no workload starts (execve: the runtime execs
// it under the filter) or ends cleanly.
var essentialSyscalls = []string{"execve", "exit", "exit_group", "rt_sigreturn"}

// ArchCheck is what Check found on one architecture.
type ArchCheck struct {
	ABI syscalls.ABI `json:"abi"`
	// Instructions is the length of the BPF program libseccomp compiled for this
	// architecture alone (0 when libseccomp is not available).
	Instructions int `json:"instructions"`
	// UnknownToLibseccomp are names the linked libseccomp cannot resolve here: runtimes
	// built with it skip them.
	UnknownToLibseccomp []string `json:"unknownToLibseccomp"`
	// UnknownToKernel are names that are no syscall of this ABI in profgen's Linux tables.
	UnknownToKernel []string `json:"unknownToKernel"`
}

// CheckReport is the result of Check. Errors make a profile unusable.
type CheckReport struct {
	Arches   []ArchCheck `json:"architectures"`
	Errors   []string    `json:"errors"`
	Warnings []string    `json:"warnings"`
}

// Check compiles p with libseccomp for each of its architectures and reports names
// unknown on an architecture, dangerous syscalls it permits and essential ones it stops. A
// profgen built without libseccomp checks against its own tables only and says so in a
// warning.
func Check(p *specs.LinuxSeccomp) (*CheckReport, error) {
	if err := profile.ValidateSeccomp(p); err != nil {
		return nil, err
	}
	rep := &CheckReport{Arches: []ArchCheck{}, Errors: []string{}, Warnings: []string{}}
	if merged, n := profile.MergeDuplicateRules(p); n > 0 || len(merged.Syscalls) < len(p.Syscalls) {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d rules repeat a syscall with the same action and conditions (%d rules merge into %d)", n, len(p.Syscalls), len(merged.Syscalls)))
		p = merged
	}
	abis := profile.ProfileABIs(p)
	if len(p.Architectures) == 0 {
		rep.Warnings = append(rep.Warnings, "no architectures: runtimes filter the native one only and kill calls made through any other ABI")
	}
	names := profileNames(p)
	knownSomewhere := map[string]bool{}
	libseccompMissing := false
	for _, abi := range abis {
		ac := ArchCheck{ABI: abi, UnknownToLibseccomp: []string{}, UnknownToKernel: []string{}}
		for _, n := range names {
			if !abi.HasTable() {
				break // no table to check names against (s390, the companion of s390x)
			}
			if _, err := abi.Number(n); err != nil {
				ac.UnknownToKernel = append(ac.UnknownToKernel, n)
			} else {
				knownSomewhere[n] = true
			}
		}
		bpf, unknown, err := Compile(p, abi)
		switch {
		case errors.Is(err, ErrLibseccompUnavailable):
			libseccompMissing = true
		case errors.Is(err, ErrArchUnsupported):
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: not compiled: %v; checked against profgen's syscall tables only", abi, err))
		case err != nil:
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", abi, err))
		default:
			ac.Instructions = len(bpf) / 8
			ac.UnknownToLibseccomp = append(ac.UnknownToLibseccomp, unknown...)
		}
		rep.Arches = append(rep.Arches, ac)
	}
	if libseccompMissing {
		rep.Warnings = append(rep.Warnings, ErrLibseccompUnavailable.Error()+": checked against profgen's syscall tables only")
	}
	// A name that is a syscall on other architectures only is what a profile written for
	// many (Docker's, containerd's) holds: runtimes skip it. A name that is a syscall nowhere
	// is a mistake.
	var nowhere, elsewhere []string
	for _, n := range names {
		switch {
		case knownSomewhere[n]:
		case existsOnSomeABI(n):
			elsewhere = append(elsewhere, n)
		default:
			nowhere = append(nowhere, n)
		}
	}
	if len(elsewhere) > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("syscalls of other architectures only, skipped here: %s", strings.Join(elsewhere, ", ")))
	}
	if len(nowhere) > 0 {
		rep.Errors = append(rep.Errors, fmt.Sprintf("not a syscall on any architecture (Linux %s): %s", syscalls.KernelVersion, strings.Join(nowhere, ", ")))
	}
	permitted := unionSets(profile.PermittedSets(p))
	var stopped, dangerous []string
	for _, n := range essentialSyscalls {
		if !permitted[n] {
			stopped = append(stopped, n)
		}
	}
	for _, n := range sortedKeys(permitted) {
		if profile.IsDangerous(n) {
			dangerous = append(dangerous, n)
		}
	}
	if len(stopped) > 0 {
		rep.Errors = append(rep.Errors, "essential syscalls not allowed: "+strings.Join(stopped, ", "))
	}
	if w := profile.RuntimeSetWarning(p); w != "" {
		rep.Warnings = append(rep.Warnings, w)
	}
	if len(dangerous) > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d dangerous syscalls allowed (Docker's default profile blocks them): %s", len(dangerous), strings.Join(dangerous, ", ")))
	}
	return rep, nil
}

// existsOnSomeABI reports whether name is a syscall of any ABI in profgen's tables.
func existsOnSomeABI(name string) bool {
	for _, abi := range syscalls.ABIs() {
		if _, err := abi.Number(name); err == nil {
			return true
		}
	}
	return false
}

// profileNames returns every name the profile's rules mention, sorted.
func profileNames(p *specs.LinuxSeccomp) []string {
	set := map[string]bool{}
	for _, r := range p.Syscalls {
		for _, n := range r.Names {
			set[n] = true
		}
	}
	return sortedKeys(set)
}

func unionSets(s profile.SyscallSets) map[string]bool {
	out := map[string]bool{}
	abis := make([]syscalls.ABI, 0, len(s))
	for a := range s {
		abis = append(abis, a)
	}
	sort.Slice(abis, func(i, j int) bool { return abis[i] < abis[j] })
	for _, a := range abis {
		for n := range s[a] {
			out[n] = true
		}
	}
	return out
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
