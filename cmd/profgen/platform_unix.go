//go:build unix

package main

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// newSessionAttr starts a process in a session of its own.
func newSessionAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

// terminate asks process pid to end (SIGTERM).
func terminate(pid int) { syscall.Kill(pid, syscall.SIGTERM) }

// canWrite reports whether this process may create files in dir.
func canWrite(dir string) error { return unix.Access(dir, unix.W_OK) }
