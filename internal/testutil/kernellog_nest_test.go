package testutil

import (
	"testing"
	"time"
)

// TestLockKernelLogNests: a subtest of a test that holds the lock takes it again at once
// (flock on a second open file of the same process would wait for itself forever).
func TestLockKernelLogNests(t *testing.T) {
	LockKernelLog(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.Run("nested", func(t *testing.T) { LockKernelLog(t) })
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("a nested LockKernelLog waited for the outer one")
	}
	if held.n != 1 {
		t.Errorf("hold count %d after the subtest, want 1", held.n)
	}
}
