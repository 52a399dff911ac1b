//go:build !linux

package testutil

import "os/exec"

// KillWithParent returns cmd as it is: only Linux has a parent-death signal.
func KillWithParent(cmd *exec.Cmd) *exec.Cmd { return cmd }
