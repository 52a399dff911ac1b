//go:build linux

package ptrace

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestHelperRunsInInit starts the test binary as the helper (no tracer, ModeSyscall: no
// filter) and checks that it became the workload from the package's init, on the main thread,
// and not later from TestMain, where its goroutine may run on another thread than the one the
// tracer seized.
func TestHelperRunsInInit(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	gateR, gateW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer readyR.Close()
	if _, err := gateW.Write([]byte{1}); err != nil {
		t.Fatal(err)
	}
	gateW.Close()
	cmd := exec.Command(self, "/bin/sh", "sh", "-c", `echo "workload $$"`)
	cmd.Args[0] = "profgen-ptrace-helper"
	cmd.Env = append(os.Environ(), HelperEnv+"="+string(ModeSyscall))
	cmd.ExtraFiles = []*os.File{gateR, readyW} // helperFD 3, readyFD 4
	out, err := cmd.Output()
	gateR.Close()
	readyW.Close()
	if err != nil {
		t.Fatalf("helper: %v; output %q", err, out)
	}
	if got := string(out); !strings.HasPrefix(got, "workload ") {
		t.Fatalf("helper output %q, want the workload's", got)
	}
}
