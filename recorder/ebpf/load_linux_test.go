//go:build linux && amd64

package ebpf

import (
	"runtime/debug"
	"testing"
)

// TestPauseGC: loads that overlap keep the collector off until the last ends, then it is
// set back as it was, whatever order they end in.
func TestPauseGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(150))
	a := pauseGC()
	b := pauseGC()
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("GC percent %d during two loads, want -1 (off)", got)
	}
	a()
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("GC percent %d after the first of two loads ended, want -1 (off)", got)
	}
	b()
	if got := debug.SetGCPercent(150); got != 150 {
		t.Errorf("GC percent %d after both loads ended, want 150 as before", got)
	}
}
