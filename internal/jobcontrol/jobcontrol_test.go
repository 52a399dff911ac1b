//go:build linux

package jobcontrol

import (
	"os"
	"testing"
)

// TestHeld: a workload given no terminal has none to hand over, so no stop to look for; one
// that is not a terminal (a regular file as stdin) is no terminal either.
func TestHeld(t *testing.T) {
	none := None()
	if none.Held() {
		t.Error("None().Held() = true")
	}
	f, err := os.CreateTemp(t.TempDir(), "stdin")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if tt := Foreground(f); tt.Held() {
		t.Error("Foreground(a regular file).Held() = true")
	}
}
