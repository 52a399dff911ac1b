//go:build linux && cgo

package seccomp

/*
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

// The soft open-file limit as the process started: the Go runtime raises it during its own
// initialisation, after C constructors have run, and puts it back for programs it starts.
static struct rlimit profgen_orig_nofile;
static int profgen_have_orig_nofile;

__attribute__((constructor)) static void profgen_save_nofile(void) {
	profgen_have_orig_nofile = getrlimit(RLIMIT_NOFILE, &profgen_orig_nofile) == 0;
}

// profgen_seccomp_exec sets no_new_privs, installs the filter on the calling thread and execs
// path. It runs as one C call: no Go code (and so no Go scheduling, collection or preemption)
// runs on the thread once the filter is on; a signal that arrives meanwhile only runs the Go
// handler, which returns through rt_sigreturn. Returns the failing stage (1 no_new_privs,
// 2 seccomp, 3 execve) and sets *err to errno.
static int profgen_seccomp_exec(struct sock_filter *insns, unsigned short n, unsigned int flags,
		const char *path, char *const argv[], char *const envp[], int *err) {
	struct sock_fprog prog = { .len = n, .filter = insns };
	if (profgen_have_orig_nofile) {
		struct rlimit cur;
		if (getrlimit(RLIMIT_NOFILE, &cur) == 0 && cur.rlim_cur != profgen_orig_nofile.rlim_cur &&
				profgen_orig_nofile.rlim_cur <= cur.rlim_max) {
			cur.rlim_cur = profgen_orig_nofile.rlim_cur;
			setrlimit(RLIMIT_NOFILE, &cur);
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) { *err = errno; return 1; }
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) != 0) { *err = errno; return 2; }
	execve(path, argv, envp);
	*err = errno;
	// The filter is on, so no Go code may run on this thread again (the runtime would need
	// calls the profile may refuse): say why here and end the process as a shell does: 127
	// when the program or a script's interpreter does not exist, 126 when it cannot run.
	{
		char msg[600];
		int n = snprintf(msg, sizeof msg, "profgen: exec %s under the seccomp profile: %s\n", path, strerror(*err));
		if (n > 0) {
			ssize_t w = write(2, msg, n < (int)sizeof msg ? n : (int)sizeof msg - 1);
			(void)w;
		}
		syscall(SYS_exit_group, *err == ENOENT ? 127 : 126);
	}
	return 3;
}
*/
import "C"

import (
	"fmt"
	"runtime"
	"syscall"
	"unsafe"
)

// execFiltered installs a compiled BPF program (libseccomp's export: struct sock_filter
// entries) on the calling thread only, after setting no_new_privs, and execs path with it.
// TSYNC is never set: the Go runtime's other threads keep running unfiltered, and execve
// carries the filter into the new program. It returns only on failure.
func execFiltered(bpf []byte, flags uint, path string, argv, env []string) error {
	const insnSize = int(unsafe.Sizeof(C.struct_sock_filter{}))
	if len(bpf) == 0 || len(bpf)%insnSize != 0 || len(bpf)/insnSize > 0xffff {
		return fmt.Errorf("load seccomp filter: bad BPF program of %d bytes", len(bpf))
	}
	cbpf := C.CBytes(bpf)
	defer C.free(cbpf)
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	cargv := cStrings(argv)
	defer freeCStrings(cargv)
	cenv := cStrings(env)
	defer freeCStrings(cenv)

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var cerr C.int
	stage := C.profgen_seccomp_exec((*C.struct_sock_filter)(cbpf), C.ushort(len(bpf)/insnSize), C.uint(flags),
		cpath, &cargv[0], &cenv[0], &cerr)
	errno := syscall.Errno(cerr)
	switch stage {
	case 1:
		return fmt.Errorf("load seccomp filter: set no_new_privs: %w", errno)
	case 2:
		return fmt.Errorf("load seccomp filter: %w", errno)
	default:
		return fmt.Errorf("exec %s under the seccomp profile: %w", path, errno)
	}
}

// cStrings returns a NULL-terminated array of C strings, allocated with malloc.
func cStrings(ss []string) []*C.char {
	out := make([]*C.char, len(ss)+1)
	for i, s := range ss {
		out[i] = C.CString(s)
	}
	return out
}

func freeCStrings(cs []*C.char) {
	for _, c := range cs {
		if c != nil {
			C.free(unsafe.Pointer(c))
		}
	}
}
