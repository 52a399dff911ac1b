//go:build linux

package ptrace

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// The helper receives its go-ahead and filter on helperFD, after saying on readyFD that it
// runs.
const (
	helperFD = 3
	readyFD  = 4
)

// init runs the helper (when HelperEnv is set) while package initialisers run: the runtime
// keeps the main goroutine on the main thread then, the only thread the tracer seizes. Called
// later (from main or TestMain) the goroutine may have moved to another thread, whose seccomp
// filter then has no tracer: every syscall it makes fails with ENOSYS, the write of any
// message too, and the helper died of SIGSEGV (exit status 139) without running the workload.
func init() {
	runHelperIfRequested()
}

// runHelperIfRequested is the helper side of Record: when HelperEnv is set, it waits for the
// tracer, installs the seccomp filter the tracer sends, and execs the workload; it does not
// return then.
func runHelperIfRequested() {
	mode, ok := os.LookupEnv(HelperEnv)
	if !ok {
		return
	}
	// Keep this goroutine on the thread the tracer seized (the main thread while package
	// initialisers run) until the exec.
	runtime.LockOSThread()
	if unix.Gettid() != os.Getpid() {
		// Not the seized thread: its filter would have no tracer.
		fmt.Fprintf(os.Stderr, "profgen: start workload: the helper does not run on its main thread\n")
		os.Exit(127)
	}
	os.Unsetenv(HelperEnv)
	if err := helper(Mode(mode)); err != nil {
		fmt.Fprintf(os.Stderr, "profgen: start workload: %v\n", err)
		os.Exit(127)
	}
}

func helper(mode Mode) error {
	if len(os.Args) < 3 {
		return fmt.Errorf("helper needs a program and its arguments")
	}
	// The ready pipe stays open until the exec, which closes it: a failed exec's errno is
	// sent on it, for the tracer to report.
	syscall.CloseOnExec(readyFD)
	ready := os.NewFile(readyFD, "profgen-ready")
	if _, err := ready.Write([]byte{1}); err != nil {
		return fmt.Errorf("tell the tracer the helper runs: %w", err)
	}
	pipe := os.NewFile(helperFD, "profgen-tracer")
	// The tracer writes the filter only once it has attached, then closes the pipe.
	msg, err := io.ReadAll(pipe)
	pipe.Close()
	if err != nil {
		return fmt.Errorf("wait for the tracer: %w", err)
	}
	if len(msg) == 0 {
		return fmt.Errorf("the tracer went away before attaching")
	}
	if mode == ModeSeccomp {
		prog, err := decodeFilter(msg)
		if err != nil {
			return err
		}
		if os.Geteuid() != 0 {
			// Unprivileged processes may only install a filter under no_new_privs.
			if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
				return fmt.Errorf("set no_new_privs: %w", err)
			}
		}
		if err := seccompSetFilter(prog); err != nil {
			return fmt.Errorf("install seccomp filter: %w", err)
		}
	}
	path, argv := os.Args[1], os.Args[2:]
	err = syscall.Exec(path, argv, os.Environ())
	if errno, ok := err.(syscall.Errno); ok {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(errno))
		if _, werr := ready.Write(b[:]); werr == nil {
			os.Exit(execFailureStatus(errno))
		}
	}
	return fmt.Errorf("exec %s: %w", path, err)
}

// execFailureStatus is the exit status of a failed exec, as a shell's: 127 when the program
// (or a script's interpreter) does not exist, 126 when it exists but cannot run.
func execFailureStatus(errno syscall.Errno) int {
	if errno == syscall.ENOENT {
		return 127
	}
	return 126
}
