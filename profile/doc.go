// Package profile holds profgen's model of what a workload did (Recording, a versioned JSON
// file format) and turns recordings into seccomp profiles.
package profile
