//go:build linux && !(amd64 || arm64 || riscv64 || loong64)

package ptrace

import "golang.org/x/sys/unix"

// quietStopNotifications is a no-op where the kernel's struct sigaction has another layout:
// profgen then takes one SIGCHLD per stop, which costs time but changes nothing else.
func quietStopNotifications() (restore func()) { return func() {} }

const wakeSignal = unix.Signal(62)

// interruptibleWaits reports false where the kernel's struct sigaction has another layout:
// an attached recording then polls for a detach request between stops.
func interruptibleWaits() (restore func(), ok bool) { return func() {}, false }
