//go:build linux && amd64

package ebpf

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestRecordRootCgroupUntilDuration: the root cgroup has no cgroup.events; a recording of it
// lasts until its context ends (it ended at the first look, taking the missing file for the
// cgroup's removal).
func TestRecordRootCgroupUntilDuration(t *testing.T) {
	requireBPF(t)
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	root, err := ParseMountinfoCgroup2(mounts)
	if err != nil {
		t.Skipf("no cgroup2 mount: %v", err)
	}
	const d = 400 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	start := time.Now()
	if _, err := Record(ctx, Options{Cgroup: root}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < d {
		t.Errorf("a recording of the root cgroup %s ended after %v, before its %v", root, took.Round(time.Millisecond), d)
	}
}
