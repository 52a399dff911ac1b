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

// TestParseRecordingNamesOtherFiles: a seccomp profile or an audit log given where a
// recording is read (generate) is named as what it is.
func TestParseRecordingNamesOtherFiles(t *testing.T) {
	for what, tc := range map[string]struct{ data, want string }{
		"profile": {`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []}`, "this is a seccomp profile, not a recording"},
		"auditd":  {"type=SECCOMP msg=audit(1.2:3): pid=1 comm=\"x\" arch=c000003e syscall=1 code=0x7ffc0000\n", "this is a kernel or audit log, not a recording (profgen import reads it)"},
		"kmsg":    {"[ 1.0] audit: type=1326 audit(1.2:3): pid=1 syscall=1\n", "profgen import reads it"},
		"other":   {`{"x": 1}`, `unknown field "x"`},
	} {
		_, err := ParseRecording([]byte(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", what, err, tc.want)
		}
	}
}
