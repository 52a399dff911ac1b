//go:build linux

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

	"github.com/profgen/profgen/profile"
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

// TestWorkloadName: the default profile's name for each kind of target, and "workload" for a
// name that cannot be a file's.
func TestWorkloadName(t *testing.T) {
	for _, tt := range []struct {
		o    recordOptions
		args []string
		want string
	}{
		{recordOptions{}, []string{"/usr/sbin/nginx", "-g", "daemon off;"}, "nginx"},
		{recordOptions{}, []string{"./app"}, "app"},
		{recordOptions{}, []string{"/"}, "workload"},
		{recordOptions{}, []string{"a/.."}, "workload"},
		{recordOptions{}, []string{"x\x00y"}, "workload"},
		{recordOptions{pid: 1234}, nil, "pid-1234"},
		{recordOptions{container: "web1"}, nil, "web1"},
		{recordOptions{container: ".."}, nil, "workload"},
		{recordOptions{cgroup: "/sys/fs/cgroup/system.slice/nginx.service/"}, nil, "nginx.service"},
		{recordOptions{cgroup: "/sys/fs/cgroup/x/.."}, nil, "cgroup"},
		{recordOptions{cgroup: "/"}, nil, "workload"},
		{recordOptions{cgroup: "."}, nil, "workload"},
	} {
		if got := tt.o.workloadName(tt.args); got != tt.want {
			t.Errorf("workloadName(%+v, %q) = %q, want %q", tt.o, tt.args, got, tt.want)
		}
	}
}

// TestDescribeSource: what the recording says of where it came from, for each kind of
// target; only a process attached to gets a warning.
func TestDescribeSource(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	end := start.Add(time.Minute)
	for _, tt := range []struct {
		o       recordOptions
		args    []string
		want    []string
		warning bool
	}{
		{recordOptions{}, []string{"/bin/sh", "-c", "true"}, []string{"/bin/sh", "-c", "true"}, false},
		{recordOptions{pid: 42}, nil, []string{"pid 42"}, true},
		{recordOptions{container: "web1"}, nil, []string{"container web1"}, false},
		{recordOptions{cgroup: "/sys/fs/cgroup/x"}, nil, []string{"cgroup /sys/fs/cgroup/x"}, false},
	} {
		rec := profile.NewRecording("profgen", "ptrace")
		var w strings.Builder
		tt.o.describeSource(rec, tt.args, start, end, &w)
		s := rec.Source
		if !slices.Equal(s.Command, tt.want) || s.Version != version || !s.Start.Equal(start) || !s.End.Equal(end) {
			t.Errorf("%+v: source %+v, want command %q, version %q and the times", tt.o, s, tt.want, version)
		}
		if warned := len(s.Warnings) == 1 && strings.HasPrefix(s.Warnings[0], "attached to running process 42: its start-up") &&
			w.String() == "profgen: warning: "+s.Warnings[0]+"\n"; warned != tt.warning || !tt.warning && (len(s.Warnings) != 0 || w.Len() != 0) {
			t.Errorf("%+v: warnings %q, stderr %q; want a start-up warning: %v", tt.o, s.Warnings, w.String(), tt.warning)
		}
	}
}
