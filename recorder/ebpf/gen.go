package ebpf

// The BPF object and its Go loader are generated from recorder.bpf.c by bpf2go (clang, with
// libbpf's headers from Debian's libbpf-dev) and committed; make verify-generate checks them.
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -target amd64 -output-stem zrecorder -tags linux recorder recorder.bpf.c -- -O2 -g -Wall -Werror
