// Package profile holds profgen's model of what a workload did (Recording, a versioned JSON
// file format) and everything made from it on the seccomp side: OCI runtime-spec profiles in
// every mode (allow, deny, log, complain) with measured OCI-runtime base sets, SPO and pod
// encodings, merging and diffing. It is pure Go and builds with CGO_ENABLED=0; compiling,
// checking with libseccomp and exec under a profile live in package seccomp.
package profile
