package gcpause

import (
	"runtime/debug"
	"testing"
)

// TestPause: pauses that overlap keep the collector off until the last ends, then it is set
// back as it was, whatever order they end in; a resume called twice counts once.
func TestPause(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	a := Pause()
	b := Pause()
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("GC percent %d during two pauses, want -1 (off)", got)
	}
	a()
	a()
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("GC percent %d after the first of two pauses ended (its resume called twice), want -1 (off)", got)
	}
	b()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("GC percent %d after both pauses ended, want 150 as before", got)
	}
}
