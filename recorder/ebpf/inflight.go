package ebpf

import (
	"bytes"
	"strconv"
	"strings"
)

// ParseTaskSyscall reads a thread's /proc/PID/task/TID/syscall ("NR ARG1 ... ARG6 SP PC", the
// arguments in hex): the number and arguments of the syscall the thread is inside of (blocked
// in it: a futex wait, an accept, a pause), with ok true. ok is false when the thread runs
// ("running"), is stopped outside a syscall ("-1 SP PC") or the text is not of that form.
func ParseTaskSyscall(b []byte) (nr int64, args [6]uint64, ok bool) {
	f := bytes.Fields(b)
	if len(f) < 7 {
		return 0, args, false
	}
	n, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil || n < 0 {
		return 0, args, false
	}
	for i := range args {
		s, found := strings.CutPrefix(string(f[i+1]), "0x")
		if !found {
			return 0, [6]uint64{}, false
		}
		if args[i], err = strconv.ParseUint(s, 16, 64); err != nil {
			return 0, [6]uint64{}, false
		}
	}
	return n, args, true
}
