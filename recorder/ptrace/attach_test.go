//go:build linux

package ptrace

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAttachWakesAtOnce attaches to cat, which echoes what it reads, and times round trips
// through it: the tracer must be woken by each stop, not find it at its next poll (a polling
// tracer sleeps 1 to 20 ms whenever the tracee blocks, so each round trip took a millisecond
// or more). It then ends the recording with SIGINT, which must detach at once although cat
// sleeps in read.
func TestAttachWakesAtOnce(t *testing.T) {
	cat := exec.Command("cat")
	in, err := cat.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cat.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Process.Kill(); cat.Wait() })
	sigs := make(chan os.Signal, 1)
	type done struct {
		res *Result
		err error
	}
	ended := make(chan done, 1)
	go func() {
		res, err := Record(context.Background(), Options{PID: cat.Process.Pid, Signals: sigs})
		ended <- done{res, err}
	}()
	buf := make([]byte, 1)
	roundTrip := func() time.Duration {
		t0 := time.Now()
		if _, err := in.Write([]byte{'x'}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(out, buf); err != nil {
			t.Fatal(err)
		}
		return time.Since(t0)
	}
	// Wait until cat is traced: its round trips then stop in the tracer.
	deadline := time.Now().Add(10 * time.Second)
	for tracerPid(t, cat.Process.Pid) == 0 {
		select {
		case d := <-ended:
			if errors.Is(d.err, ErrNotTraceable) {
				t.Skipf("cannot attach: %v", d.err)
			}
			t.Fatalf("the recording ended before attaching: %v", d.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("cat was not attached within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	trips := make([]time.Duration, 200)
	for i := range trips {
		trips[i] = roundTrip()
	}
	slices.Sort(trips)
	median := trips[len(trips)/2]
	t.Logf("round trips through attached cat: median %v, fastest %v, slowest %v", median, trips[0], trips[len(trips)-1])
	if median >= time.Millisecond {
		t.Errorf("median round trip %v through the attached process: the tracer is not woken by its stops", median)
	}
	t0 := time.Now()
	sigs <- syscall.SIGINT
	select {
	case d := <-ended:
		if d.err != nil {
			t.Fatal(d.err)
		}
		if !d.res.Detached {
			t.Error("result not marked detached")
		}
		if n := d.res.Recording.Syscalls["x86_64"]; len(n) > 0 && (n["read"] == nil || n["write"] == nil) {
			t.Errorf("read and write of cat not recorded: %v", d.res.Recording.SyscallNames("x86_64"))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the recording did not end within 10 s of SIGINT")
	}
	t.Logf("detached %v after SIGINT", time.Since(t0))
	if tracerPid(t, cat.Process.Pid) != 0 {
		t.Error("cat is still traced after the recording ended")
	}
	if got := roundTrip(); got > 5*time.Second {
		t.Errorf("cat did not run on after the detach")
	}
}

// tracerPid returns the TracerPid of process pid (0: not traced).
func tracerPid(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "TracerPid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}
