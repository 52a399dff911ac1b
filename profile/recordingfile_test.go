package profile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/profgen/profgen/syscalls"
)

func TestParseRecordingOrSeccomp(t *testing.T) {
	recData, err := os.ReadFile(filepath.Join("testdata", "app-x86_64.rec.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    string
		rec     bool
		wantErr string
	}{
		{"recording", string(recData), true, ""},
		{"profile", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`, false, ""},
		{"truncated recording", string(recData[:300]), false, "read recording"},
		{"recording of another version", `{"kind":"profgen.recording","version":99,"source":{"tool":"x"},"syscalls":{}}`, false, "unsupported recording version"},
		{"bad profile", `{"defaultAction":"SCMP_ACT_NOPE"}`, false, "read seccomp profile"},
		{"not JSON", `hello`, false, "read seccomp profile"},
	}
	for _, tt := range tests {
		rec, prof, err := ParseRecordingOrSeccomp([]byte(tt.data))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if (rec != nil) != tt.rec || (prof != nil) == tt.rec {
			t.Errorf("%s: recording %v, profile %v", tt.name, rec != nil, prof != nil)
		}
	}
	if _, _, err := ParseRecordingOrSeccomp([]byte(`{"defaultAction":"SCMP_ACT_NOPE"}`)); !errors.Is(err, ErrBadProfile) {
		t.Errorf("a bad profile's error does not wrap ErrBadProfile: %v", err)
	}
}

// FuzzParseRecordingOrSeccomp: any content gives exactly one of a valid recording, a valid
// profile or an error.
func FuzzParseRecordingOrSeccomp(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	golden, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	for _, p := range append(paths, golden...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"kind":"profgen.recording"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, prof, err := ParseRecordingOrSeccomp(data)
		switch {
		case err != nil:
			if rec != nil || prof != nil {
				t.Fatal("a result with an error")
			}
		case (rec == nil) == (prof == nil):
			t.Fatalf("recording %v and profile %v", rec != nil, prof != nil)
		case rec != nil:
			if err := rec.Validate(); err != nil {
				t.Fatal(err)
			}
		default:
			if err := ValidateSeccomp(prof); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestMergeRecordings(t *testing.T) {
	a := NewRecording("profgen", "ptrace")
	a.AddSyscall(syscalls.X86_64, "read", 2, Process{PID: 1})
	b := NewRecording("profgen", "auditlog")
	b.Source.Command = []string{"app", "--serve"}
	b.AddSyscall(syscalls.X86_64, "read", 3, Process{PID: 2})
	b.AddSyscall(syscalls.X86, "write", 1, Process{PID: 2})
	b.AddFile("/etc/hosts", "r", Process{PID: 2})
	before, _ := recordingBytes(b)
	m := MergeRecordings([]*Recording{a, b}, []string{"a.json", "b.json"})
	if after, _ := recordingBytes(b); !bytes.Equal(before, after) {
		t.Error("MergeRecordings changed an input")
	}
	if s := m.Syscalls[syscalls.X86_64]["read"]; s.Count != 5 || s.First.PID != 1 {
		t.Errorf("read: %+v, want 5 calls first by 1", s)
	}
	if m.Syscalls[syscalls.X86]["write"] == nil || m.Files["/etc/hosts"] == nil {
		t.Errorf("merged recording lost b's write or file: %+v", m)
	}
	if m.Source.Backend != "merge" || !reflect.DeepEqual(m.Source.Inputs, []string{"a.json", "b.json"}) ||
		!reflect.DeepEqual(m.Source.Command, []string{"app", "--serve"}) {
		t.Errorf("source: %+v", m.Source)
	}
	if err := m.Validate(); err != nil {
		t.Error(err)
	}
}

func recordingBytes(r *Recording) ([]byte, error) {
	var b bytes.Buffer
	_, err := r.WriteTo(&b)
	return b.Bytes(), err
}

// TestIsRecordingJSON: a recording is known by its kind wherever the key is (first, as
// profgen writes it, or after other keys) and however it is cased, as encoding/json matches
// it; a profile, an object without a kind or of another kind is not one; JSON that does not
// parse is judged by its first 200 bytes.
func TestIsRecordingJSON(t *testing.T) {
	files := `"files":{` + strings.Repeat(`"/usr/lib/x":{"access":"r"},`, 2000) + `"/y":{}}`
	tests := []struct {
		name, data string
		want       bool
	}{
		{"kind first", `{"kind":"profgen.recording","version":3,` + files + `}`, true},
		{"kind last", `{"version":3,` + files + `,"source":{"tool":"x"},"kind":"profgen.recording"}`, true},
		{"kind cased", `{"Kind":"profgen.recording"}`, true},
		{"another kind", `{"kind":"SeccompProfile","syscalls":[]}`, false},
		{"no kind", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["kind"]}]}`, false},
		{"kind not a string", `{"kind":5,"x":"profgen.recording"}`, true},
		{"truncated recording", `{"kind":"profgen.recording","version":3,"files":{"/a`, true},
		{"truncated before the kind", `{"version":3,"files":{"/a":{}},"kind":"profgen.rec`, false},
		{"array", `["profgen.recording"]`, true},
		{"not JSON", `hello`, false},
	}
	for _, tt := range tests {
		if got := isRecordingJSON([]byte(tt.data)); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
