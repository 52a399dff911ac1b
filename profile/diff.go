package profile

import (
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/syscalls"
)

// SyscallSets maps an ABI to the set of syscall names something permits or used on it.
type SyscallSets map[syscalls.ABI]map[string]bool

// RecordingSets returns the syscalls recorded per ABI (names recorded as numbers are named
// when the tables know them).
func RecordingSets(r *Recording) SyscallSets {
	out := SyscallSets{}
	for _, abi := range r.ABIs() {
		set := map[string]bool{}
		for _, n := range r.SyscallNames(abi) {
			set[resolveRecordedName(abi, n)] = true
		}
		out[abi] = set
	}
	return out
}

// PermittedSets returns, for each architecture of p, the syscalls of that ABI that p lets run
// in some case: named in an SCMP_ACT_ALLOW or SCMP_ACT_LOG rule (with or without argument
// conditions) when the default stops syscalls, or every syscall of the ABI except those an
// unconditional stopping rule names when the default lets them run.
func PermittedSets(p *specs.LinuxSeccomp) SyscallSets {
	out := SyscallSets{}
	for _, abi := range ProfileABIs(p) {
		set := map[string]bool{}
		if permits(p.DefaultAction) {
			stopped := map[string]bool{}
			for _, r := range p.Syscalls {
				if !permits(r.Action) && len(r.Args) == 0 {
					for _, n := range r.Names {
						stopped[n] = true
					}
				}
			}
			for _, s := range abi.Syscalls() {
				if !stopped[s.Name] {
					set[s.Name] = true
				}
			}
		} else {
			for _, r := range p.Syscalls {
				if !permits(r.Action) {
					continue
				}
				for _, n := range r.Names {
					if _, err := abi.Number(n); err == nil {
						set[n] = true
					}
				}
			}
		}
		out[abi] = set
	}
	return out
}

// SyscallChange is one syscall added or removed.
type SyscallChange struct {
	Name string `json:"name"`
	// Dangerous is set for syscalls in DangerousSyscalls.
	Dangerous bool `json:"dangerous,omitempty"`
}

// ABIDiff is what changed on one ABI.
type ABIDiff struct {
	ABI     syscalls.ABI    `json:"abi"`
	Added   []SyscallChange `json:"added"`
	Removed []SyscallChange `json:"removed"`
}

// Diff is what changed between two profiles or recordings, per ABI, ABIs sorted.
type Diff struct {
	ABIs []ABIDiff `json:"abis"`
	// Added and Removed count changes over every ABI; DangerousAdded lists, sorted and once
	// each, the dangerous syscalls added on some ABI.
	Added          int      `json:"added"`
	Removed        int      `json:"removed"`
	DangerousAdded []string `json:"dangerousAdded"`
	// Capabilities, for two recordings that both observed capability checks, is what changed
	// in the capabilities they used (nil when nothing did).
	Capabilities *CapabilityDiff `json:"capabilities,omitempty"`
}

// CapabilityDiff is what changed in the capabilities two recordings used, names sorted.
type CapabilityDiff struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// DiffCapabilities compares the capabilities two recordings used. It is nil when they are the
// same, or when either did not observe capability checks (CapabilityChecksObserved: a ptrace
// recording's empty list says nothing).
func DiffCapabilities(old, new *Recording) *CapabilityDiff {
	if !CapabilityChecksObserved(old) || !CapabilityChecksObserved(new) {
		return nil
	}
	in := func(list []string) map[string]bool {
		m := map[string]bool{}
		for _, c := range list {
			m[c] = true
		}
		return m
	}
	o, n := in(old.Capabilities), in(new.Capabilities)
	d := &CapabilityDiff{Added: []string{}, Removed: []string{}}
	for _, c := range sortedSet(n, nil) {
		if !o[c] {
			d.Added = append(d.Added, c)
		}
	}
	for _, c := range sortedSet(o, nil) {
		if !n[c] {
			d.Removed = append(d.Removed, c)
		}
	}
	if len(d.Added)+len(d.Removed) == 0 {
		return nil
	}
	return d
}

// DiffSets compares two sets per ABI. ABIs with no change are left out.
func DiffSets(old, new SyscallSets) Diff {
	abis := map[syscalls.ABI]bool{}
	for a := range old {
		abis[a] = true
	}
	for a := range new {
		abis[a] = true
	}
	sorted := make([]syscalls.ABI, 0, len(abis))
	for a := range abis {
		sorted = append(sorted, a)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	d := Diff{ABIs: []ABIDiff{}, DangerousAdded: []string{}}
	dangerous := map[string]bool{}
	for _, a := range sorted {
		ad := ABIDiff{ABI: a, Added: changes(new[a], old[a]), Removed: changes(old[a], new[a])}
		if len(ad.Added)+len(ad.Removed) == 0 {
			continue
		}
		for _, c := range ad.Added {
			if c.Dangerous {
				dangerous[c.Name] = true
			}
		}
		d.Added += len(ad.Added)
		d.Removed += len(ad.Removed)
		d.ABIs = append(d.ABIs, ad)
	}
	d.DangerousAdded = append(d.DangerousAdded, sortedSet(dangerous, nil)...)
	return d
}

// changes returns the names in a but not in b, sorted.
func changes(a, b map[string]bool) []SyscallChange {
	out := []SyscallChange{}
	for _, n := range sortedSet(a, nil) {
		if !b[n] {
			out = append(out, SyscallChange{Name: n, Dangerous: IsDangerous(n)})
		}
	}
	return out
}

// ABIGroup is a set of ABIs with the same changes.
type ABIGroup struct {
	ABIs    []syscalls.ABI
	Added   []SyscallChange
	Removed []SyscallChange
}

// Groups returns the ABIs of d grouped by equal changes, in the order each group's first ABI
// has in d (x86_64, x86 and x32 usually change alike, and are then printed once).
func (d Diff) Groups() []ABIGroup {
	var out []ABIGroup
	index := map[string]int{}
	for _, a := range d.ABIs {
		k := changeKey(a.Added) + "|" + changeKey(a.Removed)
		if i, ok := index[k]; ok {
			out[i].ABIs = append(out[i].ABIs, a.ABI)
			continue
		}
		index[k] = len(out)
		out = append(out, ABIGroup{ABIs: []syscalls.ABI{a.ABI}, Added: a.Added, Removed: a.Removed})
	}
	return out
}

func changeKey(cs []SyscallChange) string {
	var b strings.Builder
	for _, c := range cs {
		b.WriteString(c.Name)
		b.WriteByte(',')
	}
	return b.String()
}
