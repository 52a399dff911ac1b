// Package syscalls maps syscall numbers to names and back on every Linux ABI that the OCI
// runtime spec names, from tables generated out of the kernel's own syscall*.tbl files, and
// maps the ABI to its audit arch token and its runtime-spec SCMP_ARCH_* name.
package syscalls

//go:generate go run ./internal/mktables -in internal/mktables/tables -out .
