//go:build linux

package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

// TestRecordContainer records a runc container by its id from its start to its end (runc
// create, profgen record --container attached, runc start), runs the same container under
// the profile, and a container making syscalls the recording lacks (a pipe) under it, which
// must fail.
func TestRecordContainer(t *testing.T) {
	requireBPF(t)
	testutil.RequireCommand(t, "runc")
	recorded := []string{testutil.BusyboxPath, "sh", "-c", "busybox ls /bin > /dev/null; busybox cat /etc/passwd > /dev/null; echo done"}
	bundle := testutil.NewBusyboxBundle(t, recorded, nil)
	id := fmt.Sprintf("profgen-ebpf-test-%d", os.Getpid())
	out := filepath.Join(t.TempDir(), "out")
	stdout, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	create := exec.Command("runc", "create", "--bundle", bundle, id)
	create.Stdout, create.Stderr = stdout, stdout
	if err := create.Run(); err != nil {
		b, _ := os.ReadFile(out)
		t.Fatalf("runc create: %v: %s", err, b)
	}
	t.Cleanup(func() { exec.Command("runc", "delete", "--force", id).Run() })

	profilePath := filepath.Join(t.TempDir(), "c.json")
	rec := profgenCommand("record", "--container", id, "--duration", "60s", "--summary", "--seccomp", profilePath)
	// A pipe of the test's own, not StderrPipe: Wait, which runs beside the reads, would
	// close that one under them.
	stderr, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	rec.Stderr = w
	err = rec.Start()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	done := waitInBackground(t, rec)
	// Start the container once the recorder says it records.
	lines := bufio.NewReader(stderr)
	var log strings.Builder
	for !strings.Contains(log.String(), "profgen: recording cgroup") {
		line, err := lines.ReadString('\n')
		log.WriteString(line)
		if err != nil {
			t.Fatalf("the recorder ended before recording: %v\n%s", err, log.String())
		}
	}
	if b, err := exec.Command("runc", "start", id).CombinedOutput(); err != nil {
		t.Fatalf("runc start: %v: %s", err, b)
	}
	// The recorder's standard error ends when it does, with the container.
	stderr.SetReadDeadline(time.Now().Add(30 * time.Second))
	rest, _ := io.ReadAll(lines)
	log.Write(rest)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("record --container: %v\n%s", err, log.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("record --container did not end with the container\n%s", log.String())
	}
	if strings.Contains(log.String(), "start-up") {
		t.Errorf("record --container of a created container warns that its start-up was not recorded:\n%s", log.String())
	}
	if b, _ := os.ReadFile(out); string(b) != "done\n" {
		t.Fatalf("the recorded container printed %q", b)
	}
	p, err := profile.LoadSeccomp(profilePath)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for _, s := range p.Syscalls {
		for _, n := range s.Names {
			if n == "pipe" || n == "pipe2" {
				t.Fatalf("the recording has %s, though nothing in the container makes a pipe", n)
			}
		}
	}

	// The same container runs under the profile.
	testutil.WriteBundleConfig(t, bundle, recorded, p)
	got, errs, err := testutil.RunBundle(t, "runc", bundle)
	if err != nil || got != "done\n" {
		t.Fatalf("the container under its recorded profile: %v\nstdout %q\nstderr %s\nrecorder:\n%s", err, got, errs, log.String())
	}
	// One that makes a pipe (pipe2, not recorded) fails.
	more := []string{testutil.BusyboxPath, "sh", "-c", "echo hello | busybox tr a-z A-Z; echo done"}
	testutil.WriteBundleConfig(t, bundle, more, p)
	got, errs, _ = testutil.RunBundle(t, "runc", bundle)
	t.Logf("recorder:\n%s\ncontainer with a pipe: stdout %q, stderr %s", log.String(), got, errs)
	if strings.Contains(got, "HELLO") {
		t.Errorf("a container making a pipe ran its pipeline under a profile without pipe2: stdout %q, stderr %s", got, errs)
	}
}

// TestRecordRunningContainerWarns records a container that is already running (as a node
// records one Docker started): its start-up was not seen, so the recording and standard
// error say that its profile alone cannot start it. Its process sleeps through the whole
// recording: the sleep it is inside of is recorded all the same.
func TestRecordRunningContainerWarns(t *testing.T) {
	requireBPF(t)
	bundle := testutil.NewBusyboxBundle(t, []string{testutil.BusyboxPath, "sleep", "1000"}, nil)
	c := testutil.StartBundle(t, bundle)
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := exec.Command("runc", "--root", c.Root(), "state", c.ID()).Output()
		if err == nil && strings.Contains(string(b), `"running"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the container is not running: %v %s: %s", err, b, c.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	rec := filepath.Join(t.TempDir(), "c.rec.json")
	r := runProfgen(t, nil, "record", "--container", c.ID(), "--container-root", c.Root(), "--duration", "500ms", "--recording", rec)
	want := "container " + c.ID() + " was running when the recording started: its start-up"
	if r.code != 0 || !strings.Contains(r.stderr, "profgen: warning: "+want) {
		t.Fatalf("record --container of a running container: status %d, want a warning %q:\n%s", r.code, want, r.stderr)
	}
	b, err := os.ReadFile(rec)
	if err != nil || !strings.Contains(string(b), want) {
		t.Errorf("the recording does not keep the warning (%v):\n%s", err, b)
	}
	if got := loadRec(t, rec); !slices.Equal(got.Source.Command, []string{"container " + c.ID()}) {
		t.Errorf("the recording's command %q, want [container %s]", got.Source.Command, c.ID())
	}
	if !strings.Contains(string(b), `"nanosleep"`) && !strings.Contains(string(b), `"clock_nanosleep"`) {
		t.Errorf("the sleep the container was in during the whole recording was not recorded:\n%s", b)
	}
}

// TestRecordContainerWithoutCgroup: a container the runtime made no cgroup for (crun
// --cgroup-manager=disabled) is in its caller's cgroup, here the test's own, which holds
// profgen too; record --container refuses it instead of recording every process there. The
// runtime is a script answering "state" as runc does, for a process of the test.
func TestRecordContainerWithoutCgroup(t *testing.T) {
	requireBPF(t)
	sleep := exec.Command("sleep", "60")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleep.Process.Kill(); sleep.Wait() })
	runtime := filepath.Join(t.TempDir(), "fake-runtime")
	script := fmt.Sprintf("#!/bin/sh\necho '{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"pid\":%d,\"status\":\"running\"}'\n", sleep.Process.Pid)
	if err := os.WriteFile(runtime, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := runProfgen(t, nil, "record", "--container", "c1", "--container-runtime", runtime, "--duration", "20s", "--seccomp", filepath.Join(t.TempDir(), "p.json"))
	if r.code == 0 || !strings.Contains(r.stderr, "holds profgen too") {
		t.Errorf("record --container of a container in profgen's cgroup: status %d after %v, stderr:\n%s", r.code, time.Since(start).Round(time.Millisecond), r.stderr)
	}
}
