package ptrace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder"
)

// HelperEnv is the environment variable that turns a process into the tracee helper. Its value
// is the trace mode. The package's init does it (on Linux): a program that imports the package
// and is re-executed by Record with HelperEnv set becomes the helper, then the workload, before
// its main runs.
const HelperEnv = "PROFGEN_PTRACE_HELPER"

// ErrUnsupported is returned on systems where profgen cannot trace with ptrace.
var ErrUnsupported = errors.New("ptrace recording is only supported on Linux")

// ErrNotTraceable is returned when profgen may not trace the process it should attach to.
var ErrNotTraceable = errors.New("process not traceable")

// Mode says how the tracer stops the workload.
type Mode string

// Trace modes.
const (
	// ModeAuto uses ModeSeccomp when the kernel offers SECCOMP_RET_TRACE, else ModeSyscall.
	ModeAuto Mode = "auto"
	// ModeSeccomp stops at PTRACE_EVENT_SECCOMP, once per syscall the filter selects.
	ModeSeccomp Mode = "seccomp"
	// ModeSyscall stops at every syscall entry and exit (PTRACE_SYSCALL).
	ModeSyscall Mode = "syscall"
)

// ParseMode parses a trace mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeAuto, ModeSeccomp, ModeSyscall:
		return m, nil
	}
	return "", fmt.Errorf("unknown trace mode %q (want auto, seccomp or syscall)", s)
}

// CPUPolicy says where the tracer and the workload run.
//
// Every ptrace stop wakes the tracer and then the tracee again. When they run on different
// CPUs each wake-up is a cross-CPU interrupt, which costs several microseconds (more in a
// virtual machine); when they share a CPU the stop is a plain context switch. Sharing a CPU,
// however, serialises a workload that computes in parallel. CPUAdaptive measures the stop
// rate every AdaptiveWindow: above PinAbove stops a second it pins the tracer and every
// traced task to the tracer's CPU, below UnpinBelow it gives them back their original CPU set.
// While stops are frequent it tries the other placement for one window now and then, and
// keeps it if the stop rate (the workload's progress) rises by a tenth.
type CPUPolicy string

// CPU policies.
const (
	CPUAdaptive CPUPolicy = "adaptive" // pin while stops are frequent, release while rare
	CPUPin      CPUPolicy = "pin"      // tracer and workload always share one CPU
	CPUNone     CPUPolicy = "none"     // leave placement to the scheduler
)

// Thresholds of CPUAdaptive.
const (
	AdaptiveWindow = 50 * time.Millisecond
	PinAbove       = 4000 // stops per second
	UnpinBelow     = 1000 // stops per second
)

// ParseCPUPolicy parses a CPU policy name.
func ParseCPUPolicy(s string) (CPUPolicy, error) {
	switch p := CPUPolicy(s); p {
	case CPUAdaptive, CPUPin, CPUNone:
		return p, nil
	}
	return "", fmt.Errorf("unknown CPU policy %q (want adaptive, pin or none)", s)
}

// Options say what to record and how.
type Options struct {
	// Args is the command to run (Args[0] is looked up in PATH). Empty when attaching.
	Args []string
	// Env is the workload's environment; nil means profgen's own.
	Env []string
	// Dir is the workload's working directory; empty means profgen's own.
	Dir string
	// Stdin, Stdout and Stderr are the workload's; nil means profgen's own.
	Stdin, Stdout, Stderr *os.File
	// PID, when not zero, attaches to this running process, all its threads and its future
	// children instead of starting Args. The recording stops, detaching, when ctx is done.
	PID int
	// Mode says how to stop the workload; "" means ModeAuto. Attaching always uses
	// ModeSyscall (a seccomp filter cannot be added to a running process).
	Mode Mode
	// CPUPolicy says where the tracer and the workload run; "" means CPUAdaptive.
	CPUPolicy CPUPolicy
	// Baseline, when set, holds syscalls that are allowed without a stop: the recording then
	// holds the syscalls that are not in it (and the path syscalls when Files is set).
	Baseline *profile.Recording
	// Files makes the tracer read the paths that file syscalls name (open, stat, exec ...)
	// and record them with their access.
	Files bool
	// Signals are forwarded to the workload (the root process). When attached, any signal
	// ends the recording instead, detaching.
	Signals <-chan os.Signal
	// Grace is how long a started workload has to exit after ctx is done and its processes
	// were sent SIGTERM, before they are killed. Zero means 5 seconds.
	Grace time.Duration
	// Recording is filled with what was seen; nil means a new one.
	Recording *profile.Recording
	// Observer, when set, is told in order of each syscall the tracer records, of each new
	// thread or process and of each exec a traced process completes (profgen record --runtime-base finds the runtime's
	// calls between loading a container's filter and executing the workload with it).
	Observer Observer
}

// Observer sees what the tracer records, in the order it happens. Its methods run on the
// tracer's thread: they must be quick and must not block.
type Observer interface {
	// Syscall is called for each recorded syscall, at its entry, with the calling thread.
	Syscall(tid int, ev recorder.Event)
	// Clone is called when thread tid has made a new thread or process whose first thread is
	// child.
	Clone(tid, child int)
	// Exec is called when process pid (its thread group id) has executed a new program.
	Exec(pid int)
}

// Result is how a recording ended.
type Result struct {
	Recording *profile.Recording
	// Mode is the trace mode that was used.
	Mode Mode
	// Exited and ExitCode give the root process's exit status; Signal is the signal that
	// killed it (0 if none). When attached, Detached is true instead.
	Exited   bool
	ExitCode int
	Signal   int
	Detached bool
	// Stops counts the ptrace stops handled; Syscalls the syscalls recorded.
	Stops    uint64
	Syscalls uint64
}

// Status returns the exit status a shell would report for the root process: its exit code,
// or 128+N when it died of signal N.
func (r *Result) Status() int {
	if r.Signal != 0 {
		return 128 + r.Signal
	}
	return r.ExitCode
}

// Record runs the workload (or attaches to opts.PID), traces it until every traced task has
// exited (or ctx is done and the tracer detached), and returns what it saw.
func Record(ctx context.Context, opts Options) (*Result, error) {
	return record(ctx, opts)
}

// baselineNumbers returns, per audit arch, the syscall numbers of the baseline that the filter
// may allow without a stop (leaving out keep, the syscalls that must still stop).
func baselineNumbers(base *profile.Recording, keep map[string]bool) map[uint32][]uint32 {
	out := map[uint32][]uint32{}
	if base == nil {
		return out
	}
	for _, abi := range base.ABIs() {
		if !abi.HasTable() || abi.AuditArch() == 0 {
			continue
		}
		for _, name := range base.SyscallNames(abi) {
			if keep[name] {
				continue
			}
			nr, err := abi.Number(name)
			if err != nil {
				continue
			}
			arch := abi.AuditArch()
			out[arch] = append(out[arch], uint32(nr))
		}
	}
	return out
}
