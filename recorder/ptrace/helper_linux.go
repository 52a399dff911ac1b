//go:build linux

package ptrace

import (
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

// runHelperIfRequested is the helper side of Record; see RunHelperIfRequested.
func runHelperIfRequested() {
	mode, ok := os.LookupEnv(HelperEnv)
	if !ok {
		return
	}
	// Keep this goroutine on the thread the tracer seized (the main thread while package
	// initialisers run) until the exec.
	runtime.LockOSThread()
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
	ready := os.NewFile(readyFD, "profgen-ready")
	_, err := ready.Write([]byte{1})
	ready.Close()
	if err != nil {
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
	return fmt.Errorf("exec %s: %w", path, err)
}
