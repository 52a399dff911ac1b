//go:build linux

package profile

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// loadFilterOnThread installs a compiled BPF program (libseccomp's export: struct sock_filter
// entries) on the calling OS thread only, after setting no_new_privs on it. The caller must
// hold the thread (runtime.LockOSThread). flags are SECCOMP_FILTER_FLAG_* bits; TSYNC is
// never set, so the Go runtime's other threads keep running unfiltered while this thread
// goes on to execve, which carries the filter into the new program.
func loadFilterOnThread(bpf []byte, flags uintptr) error {
	const insnSize = int(unsafe.Sizeof(unix.SockFilter{}))
	if len(bpf) == 0 || len(bpf)%insnSize != 0 || len(bpf)/insnSize > 0xffff {
		return fmt.Errorf("load seccomp filter: bad BPF program of %d bytes", len(bpf))
	}
	prog := unix.SockFprog{
		Len:    uint16(len(bpf) / insnSize),
		Filter: (*unix.SockFilter)(unsafe.Pointer(&bpf[0])),
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("load seccomp filter: set no_new_privs: %w", err)
	}
	if _, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&prog))); errno != 0 {
		return fmt.Errorf("load seccomp filter: %w", errno)
	}
	return nil
}
