package auditlog

import (
	"bytes"
	"compress/gzip"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFollowReadsToEndOnInterrupt: a record written just before the follow is interrupted
// (while it waits for the next poll) is read before it returns.
func TestFollowReadsToEndOnInterrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	appendFile(t, path, seccompLine(1, "a", "c000003e", 0))
	im := NewImporter(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- im.Follow(ctx, path, time.Hour) }()
	time.Sleep(300 * time.Millisecond) // the follower has read the file and waits to poll
	appendFile(t, path, seccompLine(2, "a", "c000003e", 1))
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := im.Stats(); st.Seccomp != 2 {
		t.Errorf("%d seccomp records read, want 2: the last one was lost", st.Seccomp)
	}
}

func TestTruncatedGzipReported(t *testing.T) {
	var plain strings.Builder
	for i := range 200 {
		plain.WriteString(seccompLine(i+1, "a", "c000003e", i%50))
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(plain.String()))
	zw.Close()
	whole := z.Bytes()
	if err := NewImporter(Options{}).Read("whole.gz", bytes.NewReader(whole)); err != nil {
		t.Fatalf("whole file: %v", err)
	}
	for _, cut := range []int{len(whole) / 2, len(whole) - 4} {
		im := NewImporter(Options{})
		if err := im.Read("cut.gz", bytes.NewReader(whole[:cut])); err != nil {
			t.Errorf("cut at %d of %d bytes: %v", cut, len(whole), err)
		}
		rec := im.Recording()
		if !strings.Contains(strings.Join(rec.Source.Warnings, "\n"), "cut.gz: the gzip-compressed input ends early") {
			t.Errorf("cut at %d of %d bytes: no warning: %q", cut, len(whole), rec.Source.Warnings)
		}
		if im.Stats().Seccomp == 0 {
			t.Errorf("cut at %d: the records before the cut were not read", cut)
		}
	}
}
