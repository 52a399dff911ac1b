//go:build linux

package testutil

import (
	"os/exec"
	"syscall"
)

// KillWithParent makes cmd, before it starts, receive SIGKILL when the test binary that
// starts it dies (go test's timeout, ^C), so that no recorder it started stays attached, and
// returns cmd. Other fields of cmd.SysProcAttr are kept.
//
// The kernel sends the signal when the thread that forked the child exits, not the process.
// Go ends a thread before its process only when a goroutine exits while locked to it
// (runtime.LockOSThread without UnlockOSThread). The tests that use this run profgen as a
// program of its own and leave no goroutine locked, so the forking thread lives as long as the
// test binary, and Start needs no locked thread. Locking the thread around Start alone would not help either: once unlocked, the
// thread goes back to the pool, where such a goroutine could take it later. A test binary that
// ran such code in-process (ptrace.Record ends its tracer thread that way) would have to start
// its children from a goroutine locked to a thread for as long as they run.
func KillWithParent(cmd *exec.Cmd) *exec.Cmd {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	return cmd
}
