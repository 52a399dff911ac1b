//go:build linux && amd64

package ebpf

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// contextSwitches sums the context switches of every thread of this process.
func contextSwitches(t *testing.T) int {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil || len(tasks) == 0 {
		t.Fatalf("list this process's threads: %v", err)
	}
	n := 0
	for _, path := range tasks {
		data, err := os.ReadFile(path)
		if err != nil {
			continue // the thread has just exited
		}
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
				c, _ := strconv.Atoi(strings.TrimSpace(v))
				n += c
			}
		}
	}
	return n
}

// TestRecordSleepsWhileCommandRuns: while the command (or the process attached to) runs, the
// recorder wakes for nothing (no polling): a process waking every few milliseconds beside the
// workload slows it measurably. It polled every 10 ms before: its threads switched 236 to 290
// times in the half second measured here; 5 to 35 since (the Go runtime's, the race
// detector's, this test's). The recording ends as soon as the process has exited all the same.
func TestRecordSleepsWhileCommandRuns(t *testing.T) {
	requireBPF(t)
	for _, attach := range []bool{false, true} {
		name := "command"
		if attach {
			name = "attach"
		}
		t.Run(name, func(t *testing.T) {
			opts := Options{Args: []string{"/bin/sleep", "1.2"}}
			if attach {
				cmd := exec.Command("/bin/sleep", "1.2")
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				// Reaped as soon as it exits, as a process not profgen's child is.
				waited := make(chan struct{})
				go func() { cmd.Wait(); close(waited) }()
				t.Cleanup(func() { cmd.Process.Kill(); <-waited })
				opts = Options{PID: cmd.Process.Pid}
			}
			ready := make(chan struct{})
			opts.Ready = func() { close(ready) }
			done := make(chan error, 1)
			go func() {
				_, err := Record(context.Background(), opts)
				done <- err
			}()
			select {
			case <-ready:
			case err := <-done:
				t.Fatalf("record: %v", err)
			}
			start := time.Now()
			time.Sleep(300 * time.Millisecond) // the test's own goroutines settle
			// A collection of the test binary's heap (the kernel's types, earlier tests'
			// recordings) would switch its workers many times in the window: done before.
			runtime.GC()
			before := contextSwitches(t)
			time.Sleep(500 * time.Millisecond)
			woke := contextSwitches(t) - before
			if err := <-done; err != nil {
				t.Fatalf("record: %v", err)
			}
			if took := time.Since(start); took > 1500*time.Millisecond {
				t.Errorf("the recording ended %v after it started, want soon after the 1.2 s sleep ended", took)
			}
			t.Logf("%d context switches in 500 ms", woke)
			if woke > 100 {
				t.Errorf("the recorder's threads switched %d times in 500 ms while the process slept, want (almost) none", woke)
			}
		})
	}
}

// TestExitWatch: the watch reports a process's exit, and stops at once when asked before.
func TestExitWatch(t *testing.T) {
	cmd := exec.Command("/bin/sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	w, err := watchExit(cmd.Process.Pid)
	if err != nil {
		t.Skipf("pidfd_open: %v", err)
	}
	select {
	case <-w.C:
		t.Fatal("exit reported while the process runs")
	case <-time.After(100 * time.Millisecond):
	}
	cmd.Process.Kill()
	select {
	case <-w.C:
	case <-time.After(5 * time.Second):
		t.Fatal("exit not reported 5 s after the process was killed")
	}
	w.stop()

	other := exec.Command("/bin/sleep", "10")
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Process.Kill(); other.Wait() })
	w, err = watchExit(other.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	stopped := make(chan struct{})
	go func() { w.stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("stop did not end the watch of a running process")
	}
	select {
	case <-w.C:
		t.Error("exit reported for a process still running, after stop")
	default:
	}
}
