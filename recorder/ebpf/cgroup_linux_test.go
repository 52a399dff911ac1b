//go:build linux && amd64

package ebpf

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/profgen/profgen/internal/testutil"
)

// cgroup2Root returns where the cgroup v2 hierarchy is mounted; the test is skipped if it is not.
func cgroup2Root(t *testing.T) string {
	t.Helper()
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	root, err := ParseMountinfoCgroup2(mounts)
	if err != nil {
		t.Skipf("no cgroup2 mount: %v", err)
	}
	return root
}

// TestRecordRootCgroupUntilDuration: the root cgroup has no cgroup.events; a recording of it
// lasts until its context ends (it ended at the first look, taking the missing file for the
// cgroup's removal).
func TestRecordRootCgroupUntilDuration(t *testing.T) {
	requireBPF(t)
	root := cgroup2Root(t)
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

// testCgroup makes a cgroup v2 directory for the test and moves a new `sleep secs` into it.
func testCgroup(t *testing.T, secs string) (dir string, sleep *exec.Cmd) {
	t.Helper()
	testutil.RequireRoot(t)
	root := cgroup2Root(t)
	dir = filepath.Join(root, fmt.Sprintf("profgen-test-wait-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Skipf("make a cgroup: %v", err)
	}
	sleep = exec.Command("/bin/sleep", secs)
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	go func() { sleep.Wait(); close(waited) }()
	t.Cleanup(func() {
		sleep.Process.Kill()
		<-waited
		for i := 0; i < 100 && os.Remove(dir) != nil; i++ {
			time.Sleep(10 * time.Millisecond)
		}
	})
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(fmt.Sprint(sleep.Process.Pid)), 0o644); err != nil {
		t.Fatalf("move sleep into %s: %v", dir, err)
	}
	return dir, sleep
}

// TestWaitCgroupEnds: the wait for a cgroup ends as soon as its last process has exited, and
// polls nothing meanwhile (it read cgroup.events every 100 ms before: 3 looks in the 300 ms
// counted here); a change that does not empty the cgroup (a freeze and thaw) does not end it.
func TestWaitCgroupEnds(t *testing.T) {
	dir, _ := testCgroup(t, "1")
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- waitCgroup(context.Background(), Options{Cgroup: dir}) }()
	time.Sleep(200 * time.Millisecond)
	before := cgroupLooks.Load()
	time.Sleep(300 * time.Millisecond)
	looks := cgroupLooks.Load() - before
	for _, v := range []string{"1", "0"} {
		if err := os.WriteFile(filepath.Join(dir, "cgroup.freeze"), []byte(v), 0o644); err != nil {
			t.Logf("cgroup.freeze: %v (no freeze and thaw)", err)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("the wait ended (%v) while the cgroup had a process", err)
	default:
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the wait did not end 5 s after the cgroup's process exited")
	}
	if took := time.Since(start); took > 1500*time.Millisecond {
		t.Errorf("the wait ended %v after it started, want soon after the 1 s sleep ended", took)
	}
	if looks != 0 {
		t.Errorf("the wait read cgroup.events %d times in 300 ms while the cgroup's process slept, want none (no polling)", looks)
	}
}
