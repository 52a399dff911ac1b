package recorder

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

func TestLoadBaseline(t *testing.T) {
	dir := t.TempDir()
	rec := profile.NewRecording("test", "ptrace")
	rec.AddSyscall(syscalls.X86_64, "read", 3, profile.Process{})
	var b bytes.Buffer
	if _, err := rec.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	recPath := filepath.Join(dir, "r.json")
	seccompPath := filepath.Join(dir, "s.json")
	badPath := filepath.Join(dir, "bad.json")
	files := map[string]string{
		recPath: b.String(),
		seccompPath: `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],
 "syscalls":[{"names":["read","write","fstat64"],"action":"SCMP_ACT_ALLOW"},
  {"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"SCMP_CMP_EQ"}]},
  {"names":["ptrace"],"action":"SCMP_ACT_ERRNO"}]}`,
		badPath: "not json",
	}
	for p, data := range files {
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		path    string
		want    map[syscalls.ABI][]string
		wantErr bool
	}{
		{recPath, map[syscalls.ABI][]string{syscalls.X86_64: {"read"}}, false},
		{seccompPath, map[syscalls.ABI][]string{
			syscalls.X86_64: {"read", "write"},
			syscalls.X86:    {"fstat64", "read", "write"},
		}, false},
		{badPath, nil, true},
		{filepath.Join(dir, "missing.json"), nil, true},
	}
	for _, tt := range tests {
		got, err := LoadBaseline(tt.path)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, want error %v", filepath.Base(tt.path), err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if len(got.ABIs()) != len(tt.want) {
			t.Errorf("%s: ABIs %v, want %v", filepath.Base(tt.path), got.ABIs(), tt.want)
		}
		for abi, names := range tt.want {
			have := got.SyscallNames(abi)
			if len(have) != len(names) {
				t.Errorf("%s %s: %v, want %v", filepath.Base(tt.path), abi, have, names)
				continue
			}
			for i := range names {
				if have[i] != names[i] {
					t.Errorf("%s %s: %v, want %v", filepath.Base(tt.path), abi, have, names)
				}
			}
		}
	}
}

// FuzzParseBaseline checks that any file content gives a baseline or an error, never a
// panic, and that a baseline it accepts is a valid recording.
func FuzzParseBaseline(f *testing.F) {
	for _, p := range []string{"../profile/testdata", "../../shared/data/moby"} {
		files, _ := filepath.Glob(filepath.Join(p, "*.json"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	rec := profile.NewRecording("test", "ptrace")
	rec.AddSyscall(syscalls.X86_64, "read", 1, profile.Process{PID: 1})
	var b bytes.Buffer
	rec.WriteTo(&b)
	f.Add(b.Bytes())
	f.Add([]byte(`{"kind":"profgen.recording"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseBaseline(data)
		if err != nil {
			return
		}
		if r.Kind != profile.RecordingKind {
			t.Fatalf("baseline of kind %q", r.Kind)
		}
	})
}

func TestWithBaseline(t *testing.T) {
	base := profile.NewRecording("profgen", "baseline")
	base.AddSyscall(syscalls.X86_64, "read", 0, profile.Process{})
	rec := profile.NewRecording("profgen", "ptrace")
	rec.Source.Command = []string{"app"}
	rec.AddSyscall(syscalls.X86_64, "read", 1, profile.Process{PID: 7})
	rec.AddSyscall(syscalls.X86_64, "mount", 1, profile.Process{PID: 7})
	rec.AddSyscall(syscalls.X86, "open", 1, profile.Process{PID: 7})
	merged, added := WithBaseline(rec, base, "base.json")
	if want := []string{"x86:open", "x86_64:mount"}; !reflect.DeepEqual(added, want) {
		t.Errorf("added %v, want %v", added, want)
	}
	for _, n := range []string{"read", "mount"} {
		if merged.Syscalls[syscalls.X86_64][n] == nil {
			t.Errorf("merged recording lacks %s", n)
		}
	}
	if merged.Source.Backend != "ptrace" || len(merged.Source.Command) != 1 ||
		len(merged.Source.Warnings) != 1 || !strings.Contains(merged.Source.Warnings[0], "base.json") {
		t.Errorf("source: %+v", merged.Source)
	}
	if len(rec.Source.Warnings) != 0 {
		t.Errorf("WithBaseline changed rec's warnings: %v", rec.Source.Warnings)
	}
	if _, added := WithBaseline(base, base, "base.json"); len(added) != 0 {
		t.Errorf("a baseline adds %v to itself", added)
	}
}
