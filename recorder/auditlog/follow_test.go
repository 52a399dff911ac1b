package auditlog

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestFollowRotation follows a log that grows, is rotated away (renamed, a new file in its
// place) and grows again, with a line written in two parts.
func TestFollowRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	appendFile(t, path, seccompLine(1, "a", "c000003e", 0))
	im := NewImporter(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- im.Follow(ctx, path, 20*time.Millisecond) }()
	step := func() { time.Sleep(100 * time.Millisecond) }
	step()
	line := seccompLine(2, "a", "c000003e", 1)
	appendFile(t, path, line[:30])
	step()
	appendFile(t, path, line[30:])
	step()
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path+".1", seccompLine(3, "a", "c000003e", 2)) // written before the writer reopened
	appendFile(t, path, seccompLine(4, "a", "c000003e", 3))
	step()
	appendFile(t, path, seccompLine(5, "a", "c000003e", 60))
	step()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	rec := im.Recording()
	got := rec.SyscallNames("x86_64")
	want := []string{"close", "exit", "open", "read", "write"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if st := im.Stats(); st.Seccomp != 5 || st.Bad != 0 {
		t.Errorf("stats %+v", st)
	}
	if rec.Source.Dropped != nil {
		t.Errorf("dropped %v", rec.Source.Dropped)
	}
}
