package ebpf

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/profgen/profgen/profile"
)

// ErrUnavailable is returned when the eBPF recorder cannot run here: not Linux on x86-64, no
// privilege to load BPF programs (root or CAP_BPF with CAP_PERFMON), or a kernel without BTF
// or BTF-typed raw tracepoints. The wrapped error says which.
var ErrUnavailable = errors.New("eBPF recording unavailable")

// WarnNoCapabilities begins the recording's warning when the capability checks could not be
// recorded (its capabilities are then not the complete set the workload used).
const WarnNoCapabilities = profile.WarnNoCapabilities

// WarnDeniedCapabilities begins the recording's warning that names the capabilities the
// workload was checked for and never granted.
const WarnDeniedCapabilities = "capabilities checked and denied, so not in capabilities"

// Options say what to record.
type Options struct {
	// Args is the command to run (Args[0] is looked up in PATH). Empty when attaching to PID
	// or recording a cgroup.
	Args []string
	// Env is the workload's environment; nil means profgen's own.
	Env []string
	// Dir is the workload's working directory; empty means profgen's own.
	Dir string
	// Stdin, Stdout and Stderr are the workload's; nil means profgen's own.
	Stdin, Stdout, Stderr *os.File
	// PID, when not zero, records this running process (all its threads) and the children it
	// forks from now on, until it exits or ctx is done.
	PID int
	// FromExec, with PID, counts nothing of the process until it executes a program (its
	// execve is the first call counted); with Cgroup, a process of the cgroup counts from its
	// execve on, with the children it forks after. An OCI hook records a container's workload
	// from its first instruction, not the runtime's init that runs before it in the same
	// process and cgroup.
	FromExec bool
	// Cgroup, when not empty, is a cgroup v2 directory: every process in it or below it is
	// recorded until ctx is done or the cgroup has no process left.
	Cgroup string
	// Signals are forwarded to the workload started from Args. With PID or Cgroup, any signal
	// ends the recording.
	Signals <-chan os.Signal
	// Grace is how long a started workload has to exit after ctx is done and its processes
	// were sent SIGTERM, before they are killed. Zero means 5 seconds.
	Grace time.Duration
	// Recording is filled with what was seen; nil means a new one.
	Recording *profile.Recording
	// Files makes the recorder record the files the workload's file syscalls name (those of
	// recorder/filecalls, as the ptrace recorder does: opens, execs, stat, mkdir, unlink,
	// rename, chmod ...) with AppArmor access letters, types and owners; calls that failed go
	// to the recording's failed files.
	Files bool
	// Ready, when set, is called once the programs are attached, before the command starts
	// (or, with PID or Cgroup, before the recording begins).
	Ready func()
}

// Result is how a recording ended.
type Result struct {
	Recording *profile.Recording
	// Exited and ExitCode give the started command's exit status; Signal is the signal that
	// killed it (0 if none). With PID or Cgroup, Detached is true instead.
	Exited   bool
	ExitCode int
	Signal   int
	Detached bool
	// PID is the started command's process id.
	PID int
	// Syscalls counts the syscalls recorded.
	Syscalls uint64
	// Lost counts what the kernel side could not keep, by reason (fork: a child not traced
	// because the process map was full; stray: a syscall number out of range not counted;
	// args: an argument value not kept). The same counts are in Recording.Source.Dropped.
	Lost map[string]uint64
	// LoadTime is how long loading and attaching the BPF programs took.
	LoadTime time.Duration
}

// Status returns the exit status a shell would report for the started command: its exit code,
// or 128+N when it died of signal N.
func (r *Result) Status() int {
	if r.Signal != 0 {
		return 128 + r.Signal
	}
	return r.ExitCode
}

// Record loads the recorder's BPF programs, runs the workload (or watches opts.PID or
// opts.Cgroup), and returns what it saw once the workload has ended or ctx is done. The
// syscall counts stay in kernel maps while the workload runs; at the end they go, with the
// arguments kept for socket, clone, personality and prctl, to a recorder.Aggregator.
func Record(ctx context.Context, opts Options) (*Result, error) {
	return record(ctx, opts)
}

// Available loads the recorder's programs and unloads them again: nil means Record can run.
// Otherwise the error wraps ErrUnavailable and says why.
func Available() error {
	return available()
}

// Prepare starts, in the background, the first step of a recording's load: parsing the
// running kernel's BTF (about 10 ms here), so that it overlaps what the caller does before
// Record (checking options, trying the outputs). Calling it is optional, and cheap if the
// types are parsed already.
func Prepare() { prepare() }
