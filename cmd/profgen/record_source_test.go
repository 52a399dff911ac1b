package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRecordAttachedSource: a process recorded with -p names the default profile pid-PID,
// is named "pid PID" in the recording, and the recording and standard error warn that its
// start-up was not seen.
func TestRecordAttachedSource(t *testing.T) {
	dir := t.TempDir()
	target := exec.Command("/bin/sh", "-c", "while :; do cat /etc/hostname > /dev/null; sleep 0.05; done")
	if err := target.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Process.Kill(); target.Wait() })
	pid := strconv.Itoa(target.Process.Pid)
	want := "attached to running process " + pid + ": its start-up (execve, the loader's calls) was not recorded"

	cmd, _, errb := startProfgen(t, dir, "record", "--backend", "ptrace", "-p", pid, "--duration", "300ms")
	if code := exitCode(t, cmd, 30*time.Second); code != 0 {
		t.Fatalf("record -p: exit status %d: %s", code, errb)
	}
	if _, err := os.Stat(filepath.Join(dir, "profiles", "pid-"+pid+".json")); err != nil {
		t.Errorf("default output of record -p: %v", err)
	}
	if !strings.Contains(errb.String(), "profgen: warning: "+want) {
		t.Errorf("stderr does not warn of the start-up:\n%s", errb)
	}

	rec := filepath.Join(dir, "r.json")
	cmd, _, errb = startProfgen(t, dir, "record", "--backend", "ptrace", "-p", pid, "--duration", "300ms", "--recording", rec)
	if code := exitCode(t, cmd, 30*time.Second); code != 0 {
		t.Fatalf("record -p: exit status %d: %s", code, errb)
	}
	got := loadRec(t, rec)
	if !slices.Equal(got.Source.Command, []string{"pid " + pid}) || got.Source.ExitCode != nil {
		t.Errorf("source command %q, exit code %v; want [pid %s] and none", got.Source.Command, got.Source.ExitCode, pid)
	}
	if n := len(got.Source.Warnings); n == 0 || !strings.HasPrefix(got.Source.Warnings[n-1], want) {
		t.Errorf("recording's warnings %q, want the start-up one last", got.Source.Warnings)
	}
	if got.Source.Start.IsZero() || got.Source.End.Before(got.Source.Start) || got.Source.Version == "" {
		t.Errorf("source %+v: want version, start and end", got.Source)
	}
}

// TestRecordBaselineNothingAdded: a run that makes no syscall beyond its baseline says so.
func TestRecordBaselineNothingAdded(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	if r := runProfgen(t, nil, "record", "--recording", base, "--", "/bin/true"); r.code != 0 {
		t.Fatalf("baseline run: %d %s", r.code, r.stderr)
	}
	r := runProfgen(t, nil, "record", "--baseline", base, "--recording", filepath.Join(dir, "again.json"), "--", "/bin/true")
	if r.code != 0 || !strings.Contains(r.stderr, "profgen: no syscalls beyond the baseline "+base+"\n") {
		t.Errorf("exit status %d, stderr:\n%s\nwant no syscalls beyond the baseline", r.code, r.stderr)
	}
}
