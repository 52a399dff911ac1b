package profile

import (
	"fmt"
	"strings"
)

// WarnNoCapabilities begins a recording's warning when its capability checks were not
// recorded, for the whole recording or, in a merged one, for some of its inputs: its
// capabilities are then not the complete set the workload used.
const WarnNoCapabilities = "capability checks not recorded"

// CapabilityChecksObserved says whether r's capabilities are the complete set its workload
// used, so that an output may drop every other: the eBPF backend saw every capability check
// (unless a warning says it could not), and a recording that lists capabilities saw those
// (unless a warning says part of it saw none: a merge of an eBPF recording with a ptrace one).
func CapabilityChecksObserved(r *Recording) bool {
	for _, w := range r.Source.Warnings {
		if strings.HasPrefix(w, WarnNoCapabilities) {
			return false
		}
	}
	return len(r.Capabilities) > 0 || r.Source.Backend == "ebpf"
}

// unobservedCapabilitiesWarning is the warning of a merge whose inputs observed capability
// checks in part only (names[i] names recs[i]); "" when all or none did.
func unobservedCapabilitiesWarning(recs []*Recording, names []string) string {
	var without []string
	observed := 0
	for i, r := range recs {
		if CapabilityChecksObserved(r) {
			observed++
			continue
		}
		name := fmt.Sprintf("input %d", i+1)
		if i < len(names) {
			name = names[i]
		}
		if r.Source.Backend != "" {
			name += " (" + r.Source.Backend + ")"
		}
		without = append(without, name)
	}
	if observed == 0 || len(without) == 0 {
		return ""
	}
	return WarnNoCapabilities + " in " + strings.Join(without, ", ") + ": the merged capabilities are those of the other inputs only"
}
