//go:build linux

package ptrace

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// syscallInfo is struct ptrace_syscall_info (linux/ptrace.h) with the entry/seccomp member of
// its union, which share the layout of nr and args.
type syscallInfo struct {
	Op      uint8
	_       [3]uint8
	Arch    uint32
	IP      uint64
	SP      uint64
	Nr      uint64
	Args    [6]uint64
	RetData uint32
	_       uint32
}

// ptrace_syscall_info.op values.
const (
	opNone    = 0
	opEntry   = 1
	opExit    = 2
	opSeccomp = 3
)

func ptraceRaw(req, tid int, addr, data uintptr) error {
	// ptrace requests do not block, so they skip the Go scheduler's syscall bookkeeping.
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, uintptr(req), uintptr(tid), addr, data, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// seize attaches to tid with PTRACE_SEIZE and the given PTRACE_O_* options.
func seize(tid int, options int) error {
	return ptraceRaw(unix.PTRACE_SEIZE, tid, 0, uintptr(options))
}

// getSyscallInfo fills info for a tracee in a syscall or seccomp stop. The pointer becomes a
// uintptr inside the syscall's own argument list, as unsafe.Pointer's rule 4 asks: only
// there does the compiler keep the object alive and in place for the call.
func getSyscallInfo(tid int, info *syscallInfo) error {
	*info = syscallInfo{}
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(tid),
		unsafe.Sizeof(*info), uintptr(unsafe.Pointer(info)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// readMem copies len(buf) bytes of tid's memory at addr into buf.
func readMem(tid int, addr uint64, buf []byte) (int, error) {
	local := []unix.Iovec{{Base: &buf[0]}}
	local[0].SetLen(len(buf))
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(buf)}}
	return unix.ProcessVMReadv(tid, local, remote, 0)
}

// seccompSetFilter installs prog on the calling thread with seccomp(SECCOMP_SET_MODE_FILTER).
func seccompSetFilter(prog []insn) error {
	filters := make([]unix.SockFilter, len(prog))
	for i, in := range prog {
		filters[i] = unix.SockFilter{Code: in.code, Jt: in.jt, Jf: in.jf, K: in.k}
	}
	fprog := unix.SockFprog{Len: uint16(len(filters)), Filter: &filters[0]}
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
	if e != 0 {
		return e
	}
	return nil
}

// getcpu returns the CPU the calling thread runs on (getcpu(2)), converting the pointers
// inside the syscall expression (unsafe.Pointer's rule 4).
func getcpu() (int, error) {
	var cpu, node uint32
	_, _, e := unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&cpu)), uintptr(unsafe.Pointer(&node)), 0)
	if e != 0 {
		return -1, e
	}
	return int(cpu), nil
}
