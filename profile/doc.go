// Package profile holds profgen's model of what a workload did (Recording, a versioned JSON
// file format) and everything made from it on the seccomp side: OCI runtime-spec profiles in
// every mode (allow, deny, log, complain) with measured OCI-runtime base sets, SPO and pod
// encodings, and merging, diffing, checking (libseccomp) and exec under a profile.
package profile
