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
