//go:build linux

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/profgen/profgen/internal/testutil"
)

// TestProfgenDiesWithTestBinary: a profgen that a test starts (through profgenCommand) is
// killed when the test binary is: a stand-in test binary starts profgen record, which traces
// a sleep of a minute, and is killed with SIGKILL, as go test's timeout does; profgen must be
// gone within seconds.
func TestProfgenDiesWithTestBinary(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "p.json")
	parent := exec.Command(self, "record", "--backend", "ptrace", "--seccomp", out, "--", "sleep", "60")
	parent.Env = append(os.Environ(), standInEnv+"="+profgenBin)
	stdout, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	done := waitInBackground(t, parent)
	line, err := bufio.NewReader(stdout).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		t.Fatalf("the stand-in parent did not say profgen's pid: %q, %v", line, err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	if exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe"); err != nil || exe != profgenBin {
		t.Fatalf("process %d runs %q (%v), not profgen", pid, exe, err)
	}
	time.Sleep(200 * time.Millisecond) // profgen is recording by now, or about to
	parent.Process.Kill()
	<-done
	deadline := time.Now().Add(10 * time.Second)
	for testutil.ProcessAlive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("profgen (pid %d) still runs 10 s after the test binary that started it was killed", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestProfgenStartedThroughOneHelper: the tests start profgen only through profgenCommand
// and profgenCommandContext, which make it die with the test binary.
func TestProfgenStartedThroughOneHelper(t *testing.T) {
	files, err := filepath.Glob("*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("list the tests: %v", err)
	}
	direct := regexp.MustCompile(`exec\.Command(\(|Context\(\w+, *)profgenBin\b`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if f == "main_test.go" {
			continue // the helpers themselves
		}
		for _, m := range direct.FindAll(b, -1) {
			t.Errorf("%s starts profgen without profgenCommand: %s", f, m)
		}
	}
}
