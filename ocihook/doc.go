// Package ocihook reads what an OCI runtime tells a hook (the container's state on standard
// input) and says what profgen's hook does at that stage: start recording the container, stop
// and write the profiles, or nothing.
package ocihook
