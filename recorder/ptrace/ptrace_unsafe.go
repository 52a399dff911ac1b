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

// getSyscallInfo fills info for a tracee in a syscall or seccomp stop.
func getSyscallInfo(tid int, info *syscallInfo) error {
	*info = syscallInfo{}
	return ptraceRaw(unix.PTRACE_GET_SYSCALL_INFO, tid, unsafe.Sizeof(*info), uintptr(unsafe.Pointer(info)))
}

// signalSender returns the signal number and sender pid of the signal a tracee is stopped
// for (siginfo_t's si_signo and, for signals sent by kill, si_pid).
func signalSender(tid int) (signo int32, code int32, pid int32, err error) {
	var si [128]byte
	if err := ptraceRaw(unix.PTRACE_GETSIGINFO, tid, 0, uintptr(unsafe.Pointer(&si[0]))); err != nil {
		return 0, 0, 0, err
	}
	signo = *(*int32)(unsafe.Pointer(&si[0]))
	code = *(*int32)(unsafe.Pointer(&si[8]))
	// The union starts after three ints, aligned to the size of a pointer.
	off := (12 + unsafe.Sizeof(uintptr(0)) - 1) &^ (unsafe.Sizeof(uintptr(0)) - 1)
	pid = *(*int32)(unsafe.Pointer(&si[off]))
	return signo, code, pid, nil
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

func uintptrOf(p *uint32) uintptr { return uintptr(unsafe.Pointer(p)) }
