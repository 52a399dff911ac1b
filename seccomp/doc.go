// Package seccomp is profgen's edge to libseccomp: it compiles an OCI runtime-spec seccomp
// profile to BPF, checks a profile against the linked libseccomp and profgen's syscall
// tables, and runs a program under a profile (profgen exec). Only this package uses cgo; in a
// build without it (CGO_ENABLED=0, or not Linux) the libseccomp functions return
// ErrLibseccompUnavailable and Check falls back to profgen's own tables.
package seccomp
