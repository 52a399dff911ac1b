package profile

import (
	"errors"
	"strings"
	"testing"

	"github.com/profgen/profgen/syscalls"
)

// TestParseSeccompNamesOtherOutputs: a recording, an SPO SeccompProfile or a pod patch given
// where a seccomp profile is read is named as what it is, not as 'json: unknown field "kind"'.
func TestParseSeccompNamesOtherOutputs(t *testing.T) {
	rec := NewRecording("profgen", "ebpf")
	rec.AddSyscall(syscalls.X86_64, "read", 1, Process{PID: 1})
	recBytes, err := recordingBytes(rec)
	if err != nil {
		t.Fatal(err)
	}
	p, err := GenerateSeccomp(rec, SeccompOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spo, err := EncodeSeccomp(p, FormatSPO, "app")
	if err != nil {
		t.Fatal(err)
	}
	pod, err := EncodeSeccompPod(p, "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	for what, tc := range map[string]struct {
		data []byte
		want string
	}{
		"recording": {recBytes, "this is a profgen recording, not a seccomp profile"},
		"spo":       {spo, "this is a Security Profiles Operator SeccompProfile"},
		"pod":       {pod, "this is a Kubernetes patch (--format pod)"},
		"other":     {[]byte(`{"kind": "x"}`), `json: unknown field "kind"`},
	} {
		_, err := ParseSeccomp(tc.data)
		if !errors.Is(err, ErrBadProfile) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an ErrBadProfile saying %q", what, err, tc.want)
		}
	}
}
