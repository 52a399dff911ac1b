//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/recorder/ebpf"
)

// TestRecordContainerNotFound: a container id the runtime does not know is one line saying
// what the runtime said, without runc's log decoration (time="..." level=error msg="...").
func TestRecordContainerNotFound(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireCommand(t, "runc")
	id := fmt.Sprintf("profgen-no-such-container-%d", os.Getpid())
	out := filepath.Join(t.TempDir(), "x.json")
	r := runProfgen(t, nil, "record", "--container", id, "--duration", "1s", "--seccomp", out)
	want := "profgen: record: runc state " + id + ": container does not exist (exit status 1)\n"
	if r.code != 1 || r.stderr != want {
		t.Errorf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a profile was written for a container that does not exist")
	}
	if _, err := exec.LookPath("crun"); err == nil {
		r := runProfgen(t, nil, "record", "--container", id, "--container-runtime", "crun", "--duration", "1s", "--seccomp", out)
		if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "crun state "+id+": ") {
			t.Errorf("crun: exit %d, stderr %q", r.code, r.stderr)
		}
	}
}

// TestRecordCgroupNotACgroup: --cgroup given a file of a cgroup (cgroup.procs) is refused
// before anything is recorded (it recorded nothing for the --duration, then failed for an
// empty recording), and a directory that is no cgroup v2 (a v1 hierarchy's, on a hybrid host)
// is refused naming where the v2 hierarchy is mounted.
func TestRecordCgroupNotACgroup(t *testing.T) {
	testutil.RequireRoot(t)
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	root, err := ebpf.ParseMountinfoCgroup2(mounts)
	if err != nil {
		t.Skipf("no cgroup2 mount: %v", err)
	}
	out := filepath.Join(t.TempDir(), "x.json")
	procs := filepath.Join(root, "cgroup.procs")
	r := runProfgen(t, nil, "record", "--cgroup", procs, "--duration", "5s", "--seccomp", out)
	if r.code != 1 || r.stderr != "profgen: record: cgroup "+procs+": not a directory (a cgroup is the directory that holds cgroup.procs)\n" {
		t.Errorf("--cgroup %s: exit %d, stderr %q", procs, r.code, r.stderr)
	}
	dir := t.TempDir()
	r = runProfgen(t, nil, "record", "--cgroup", dir, "--duration", "5s", "--seccomp", out)
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "the cgroup v2 hierarchy is mounted at "+root+")") {
		t.Errorf("--cgroup %s: exit %d, stderr %q", dir, r.code, r.stderr)
	}
}

// TestRecordEBPFUnprivilegedSaysWhy: as a user without CAP_BPF and CAP_PERFMON, --backend ebpf
// fails, and auto falls back to ptrace, with one short reason: not cilium/ebpf's map-creation
// error and its hint to raise the locked-memory limit, which does not apply.
func TestRecordEBPFUnprivilegedSaysWhy(t *testing.T) {
	testutil.RequireRoot(t)
	setpriv := testutil.RequireCommand(t, "setpriv")
	dir, pg := profgenForUser(t, "ebpf-unprivileged", 0o777)
	const why = "eBPF recording unavailable: loading its BPF programs needs root, or CAP_BPF and CAP_PERFMON (profgen runs as uid 65534 without them)"
	for _, tc := range []struct {
		backend, want string
		code          int
	}{
		{"ebpf", "profgen: record: " + why + "\n", 1},
		{"auto", "profgen: recording with ptrace: " + why + "\n", 0},
	} {
		cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
			pg, "record", "--backend", tc.backend, "--runtime", "runc", "--seccomp", "x.json", "--", "/bin/true")
		cmd.Dir = dir
		out, _ := cmd.CombinedOutput()
		code := cmd.ProcessState.ExitCode()
		first, _, _ := strings.Cut(string(out), "\n")
		if code != tc.code || first+"\n" != tc.want {
			t.Errorf("--backend %s as nobody: exit %d, first line %q; want %d and %q", tc.backend, code, first, tc.code, tc.want)
		}
	}
}
