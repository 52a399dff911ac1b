package profile

import (
	"bytes"
	"slices"
	"testing"
)

// TestRecordingResults checks the fields a recorder fills from syscall results: failures,
// file types and derived capabilities survive a merge and a write and read, and a recording
// written before they existed still loads.
func TestRecordingResults(t *testing.T) {
	old := `{"kind":"profgen.recording","version":1,"source":{"tool":"profgen"},"syscalls":{},
"files":{"/etc/hostname":{"access":"r","count":1,"first":{}}},"capabilities":["chown"]}`
	rec, err := ParseRecording([]byte(old))
	if err != nil {
		t.Fatalf("a recording without the new fields: %v", err)
	}
	if rec.Files["/etc/hostname"].Type != "" || len(rec.FailedFiles) != 0 || len(rec.DerivedCapabilities) != 0 {
		t.Errorf("old recording: %+v", rec)
	}

	a := NewRecording("test", "ptrace")
	a.AddFile("/srv/www", "r", Process{})
	a.AddFileFailure("/etc/userdb", "r", "ENOENT", Process{PID: 1})
	a.AddDerivedCapability("CAP_SETUID", "setuid(33)")
	b := NewRecording("test", "ptrace")
	b.SetFileType("/srv/www", FileTypeDir, Process{})
	b.SetFileType("/srv/new", FileTypeDir, Process{})
	b.AddFileFailure("/etc/userdb", "x", "EACCES", Process{PID: 2})
	b.AddDerivedCapability("setuid", "setuid(34)")
	b.AddDerivedCapability("dac_override", "write")
	a.Merge(b)
	if f := a.Files["/srv/www"]; f.Type != FileTypeDir || f.Access != "r" {
		t.Errorf("/srv/www: %+v", f)
	}
	if f := a.Files["/srv/new"]; f.Type != FileTypeDir || f.Access != "" {
		t.Errorf("/srv/new (a type only): %+v", f)
	}
	f := a.FailedFiles["/etc/userdb"]
	if f.Access != "rx" || !slices.Equal(f.Errors, []string{"EACCES", "ENOENT"}) || f.Count != 2 || f.First.PID != 1 {
		t.Errorf("failures: %+v", f)
	}
	want := []DerivedCapability{{"dac_override", "write"}, {"setuid", "setuid(33)"}}
	if !slices.Equal(a.DerivedCapabilities, want) {
		t.Errorf("derived capabilities %+v, want %+v", a.DerivedCapabilities, want)
	}
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	back, err := ParseRecording(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if back.Files["/srv/www"].Type != FileTypeDir || back.FailedFiles["/etc/userdb"] == nil || len(back.DerivedCapabilities) != 2 {
		t.Errorf("after write and read: %+v", back)
	}
	a.Files["/x"] = &FileAccess{Type: "socket?"}
	if err := a.Validate(); err == nil {
		t.Error("unknown file type accepted")
	}
}
