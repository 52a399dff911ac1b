// Package recorder turns what a source sees into a profile.Recording.
//
// The event flow is one way. Every source is a producer of events and nothing else: it keeps
// no counting tables of its own and hands each event to the one Aggregator.
//
//   - recorder/ptrace stops the workload at each syscall it needs to see and reports an
//     Event: the process, the ABI the call was made on (from the kernel's audit arch
//     and the number, so a 64-bit process making int 0x80 calls is counted on x86 and x32
//     numbers on x32), the number and the six raw arguments. When the call names a file, it
//     resolves the path in the process (against the directory file descriptor and the
//     process's working directory) and reports a File event with AppArmor-style access
//     letters.
//   - recorder/auditlog reports an Event (NoArgs: audit records carry no arguments)
//     for each seccomp audit record. It parses in parallel, one Aggregator per chunk of
//     input, merged in input order with Aggregator.Merge.
//   - an eBPF source feeds the Aggregator the same way.
//
// An Aggregator keeps counters per (ABI, number), never a list of events, so memory stays
// flat however long the workload runs. It decodes the arguments that rules need (socket
// family and type, clone flags, personality, prctl option) into the recording's Args and
// Sockets, and names each syscall through the syscalls tables when the recording is finished
// (Finish) or looked at while the source goes on (Snapshot).
package recorder
