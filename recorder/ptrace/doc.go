// Package ptrace records a workload's syscalls by tracing it with ptrace(2).
//
// Record starts the workload through a small helper: profgen re-executes itself with
// HelperEnv set, the helper says on one pipe that it runs (so its own exec is over) and
// waits on another until the tracer has attached with PTRACE_SEIZE, reads a classic BPF
// program from that pipe, installs it as a seccomp filter whose default
// action is SECCOMP_RET_TRACE, and execs the workload. The kernel then stops the workload only
// at the syscalls the filter sends to the tracer (every syscall, or with a baseline only the
// new ones), one PTRACE_EVENT_SECCOMP stop per syscall instead of the two of PTRACE_SYSCALL.
// Where seccomp is unavailable, and when attaching to a running process (-p), the tracer uses
// PTRACE_SYSCALL instead.
//
// When file paths are asked for (Options.Files), the file syscalls and the few whose success
// implies a capability are resumed from their seccomp stop with PTRACE_SYSCALL, so that each
// of them, and no other call, stops again at its exit: an access is recorded only if it
// succeeded (failures go to the recording's FailedFiles), with the file's type and the
// name the kernel gives it, and capabilities a root process must have had are derived.
//
// All ptrace requests come from one locked OS thread. Each stop is decoded with
// PTRACE_GET_SYSCALL_INFO, which gives the audit arch, the number and the arguments together,
// and fed to a recorder.Aggregator. See CPUPolicy for where the tracer and the workload run.
package ptrace
