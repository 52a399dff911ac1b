package profile

import (
	"strings"
	"testing"
)

func TestCapabilityChecksObservedMerge(t *testing.T) {
	eb := NewRecording("profgen", "ebpf")
	eb.AddCapability("net_bind_service")
	empty := NewRecording("profgen", "ebpf")
	pt := NewRecording("profgen", "ptrace")
	if !CapabilityChecksObserved(eb) || !CapabilityChecksObserved(empty) || CapabilityChecksObserved(pt) {
		t.Fatal("single recordings: want eBPF observed, ptrace not")
	}
	m := MergeRecordings([]*Recording{eb, pt}, []string{"a.json", "b.json"})
	if CapabilityChecksObserved(m) {
		t.Errorf("eBPF merged with ptrace counts as observed; warnings %q", m.Source.Warnings)
	}
	if w := strings.Join(m.Source.Warnings, "\n"); !strings.Contains(w, "b.json (ptrace)") || strings.Contains(w, "a.json") {
		t.Errorf("warning should name the ptrace input only: %q", w)
	}
	if m := MergeRecordings([]*Recording{eb, empty}, nil); !CapabilityChecksObserved(m) || len(m.Source.Warnings) != 0 {
		t.Errorf("two eBPF recordings: observed %v, warnings %q", CapabilityChecksObserved(m), m.Source.Warnings)
	}
	if m := MergeRecordings([]*Recording{pt, pt}, nil); len(m.Source.Warnings) != 0 {
		t.Errorf("two ptrace recordings get a warning: %q", m.Source.Warnings)
	}
}
