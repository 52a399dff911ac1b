// Package recorder turns what a tracing source sees into a profile.Recording.
//
// The event flow is one way. A source (recorder/ptrace today) stops the workload at each
// syscall it needs to see and reports a Syscall event: the process, the ABI the call was
// made on (from the kernel's audit arch and the number, so a 64-bit process making int 0x80
// calls is counted on x86 and x32 numbers on x32), the number and the six raw arguments.
// When the call names a file, the source resolves the path in the process (against the
// directory file descriptor and the process's working directory) and reports a File event
// with AppArmor-style access letters.
//
// An Aggregator receives the events. It keeps counters per (ABI, number), never a list of
// events, so memory stays flat however long the workload runs. It decodes the arguments that
// rules need (socket family and type, clone flags, personality, prctl option) into the
// recording's Args and Sockets, and names each syscall through the syscalls tables when the
// recording is finished.
package recorder
