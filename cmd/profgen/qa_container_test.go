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
