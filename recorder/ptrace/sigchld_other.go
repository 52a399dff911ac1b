//go:build linux && !(amd64 || arm64 || riscv64 || loong64)

package ptrace

// quietStopNotifications is a no-op where the kernel's struct sigaction has another layout:
// profgen then takes one SIGCHLD per stop, which costs time but changes nothing else.
func quietStopNotifications() (restore func()) { return func() {} }
