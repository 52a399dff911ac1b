// Package ebpf records the syscalls of a workload with eBPF programs on raw tracepoints:
// counts per ABI and number stay in kernel maps, and are handed to the recorder's aggregator
// once, when the recording ends.
package ebpf
