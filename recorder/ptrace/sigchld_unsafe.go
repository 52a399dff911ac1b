//go:build linux && (amd64 || arm64 || riscv64 || loong64)

package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelSigaction is the kernel's struct sigaction on these architectures.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const saNoCldStop = 0x1 // SA_NOCLDSTOP

// quietStopNotifications sets SA_NOCLDSTOP on profgen's SIGCHLD handler (keeping the Go
// runtime's handler itself) so that the kernel does not send a signal to profgen at every
// ptrace stop; waitpid is woken all the same. Each such signal costs a signal frame, a
// handler run and a sigreturn per syscall of the workload. It returns a function restoring
// the previous flags.
func quietStopNotifications() (restore func()) {
	var old kernelSigaction
	size := unsafe.Sizeof(old.mask)
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), 0, uintptr(unsafe.Pointer(&old)), size, 0, 0); e != 0 {
		return func() {}
	}
	if old.handler == 0 || old.handler == 1 || old.flags&saNoCldStop != 0 {
		return func() {} // default or ignored: no signal is delivered anyway
	}
	quiet := old
	quiet.flags |= saNoCldStop
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&quiet)), 0, size, 0, 0); e != 0 {
		return func() {}
	}
	return func() {
		_, _, _ = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&old)), 0, size, 0, 0)
	}
}

// wakeSignal interrupts the tracer's blocking wait4 when an attached recording must end. It is
// a real-time signal that nothing else sends profgen: the Go runtime's handler for it does
// nothing unless os/signal asked for it.
const wakeSignal = unix.Signal(62)

const saRestart = 0x10000000 // SA_RESTART

// interruptibleWaits clears SA_RESTART on wakeSignal's handler (keeping the Go runtime's
// handler itself), so that the signal, sent to the tracer thread, makes its wait4 return
// EINTR instead of restarting it. It reports false, changing nothing, where no Go handler is
// installed (the signal would then kill profgen); the tracer then polls. The returned function
// restores the previous flags.
func interruptibleWaits() (restore func(), ok bool) {
	var old kernelSigaction
	size := unsafe.Sizeof(old.mask)
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(wakeSignal), 0, uintptr(unsafe.Pointer(&old)), size, 0, 0); e != 0 {
		return func() {}, false
	}
	if old.handler == 0 || old.handler == 1 {
		return func() {}, false
	}
	if old.flags&saRestart == 0 {
		return func() {}, true
	}
	wake := old
	wake.flags &^= saRestart
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(wakeSignal), uintptr(unsafe.Pointer(&wake)), 0, size, 0, 0); e != 0 {
		return func() {}, false
	}
	return func() {
		_, _, _ = unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(wakeSignal), uintptr(unsafe.Pointer(&old)), 0, size, 0, 0)
	}, true
}
