//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/profgen/profgen/internal/atomicfile"
	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

// TestImportRealRotatedLog runs auditd with a configuration of its own (1 MB log files, ten
// kept) while a busybox shell loop runs under a log profile and fills several files. The
// import of the newest file alone warns that busybox started before its input; the import of
// every file, oldest first, does not, and holds the shell's start-up calls.
func TestImportRealRotatedLog(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.LockKernelLog(t)
	auditd := testutil.RequireCommand(t, "auditd")
	testutil.RequireCommand(t, "auditctl")
	bb := testutil.RequireCommand(t, "busybox")
	if st := auditStatus(t); st["pid"] != "0" {
		t.Skipf("an audit daemon (pid %s) is running already; this test runs its own", st["pid"])
	}
	dir := t.TempDir()
	bbx := filepath.Join(dir, "busybox-rotatetest")
	copyFile(t, bb, bbx, 0o755)
	logProfile := filepath.Join(dir, "log.json")
	p, err := profile.GenerateSeccomp(nil, profile.SeccompOptions{Mode: profile.ModeLog})
	if err != nil {
		t.Fatal(err)
	}
	data, err := profile.MarshalSeccomp(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.Write(logProfile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	logDir := filepath.Join(dir, "audit")
	if err := os.Mkdir(logDir, 0o700); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(logDir, "audit.log")
	conf := fmt.Sprintf(`log_file = %s
log_format = ENRICHED
write_logs = yes
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 1
num_logs = 10
max_log_file_action = ROTATE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
local_events = yes
name_format = NONE
q_depth = 2000
overflow_action = IGNORE
plugin_dir = %s
`, logFile, filepath.Join(dir, "plugins"))
	if err := os.Mkdir(filepath.Join(dir, "plugins"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "auditd.conf"), []byte(conf), 0o640); err != nil {
		t.Fatal(err)
	}

	// About 2 KB of records per turn of the loop: some 4 MB in all.
	loop := `i=0; while [ $i -lt 2000 ]; do echo $i > /dev/null; i=$((i+1)); done`
	runUnderOwnAuditd(t, auditd, dir, logFile, func() {
		cmd := exec.Command(profgenBin, "exec", "--seccomp", logProfile, "--", bbx, "sh", "-c", loop)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("profgen exec: %v\n%s", err, out)
		}
	})
	files := []string{logFile}
	for i := 1; ; i++ {
		f := fmt.Sprintf("%s.%d", logFile, i)
		if _, err := os.Stat(f); err != nil {
			break
		}
		files = append([]string{f}, files...) // oldest first
	}
	if len(files) < 3 {
		t.Fatalf("auditd wrote %d log files, want at least 3 (rotation at 1 MB)", len(files))
	}
	t.Logf("auditd rotated the log into %d files", len(files))

	warning := "started before the input begins (a rotated log?): " + bbx + " (comm "
	res := runProfgen(t, nil, "import", "--exe", bbx, "--seccomp", filepath.Join(dir, "newest.json"), logFile)
	if res.code != 0 || !strings.Contains(res.stderr, warning) {
		t.Errorf("import of the newest file: exit %d, stderr:\n%s\nwant a warning containing %q", res.code, res.stderr, warning)
	}
	rec := importFile(t, dir, files[0], append([]string{"--exe", bbx}, files[1:]...)...)
	for _, w := range rec.Source.Warnings {
		if strings.Contains(w, "started before") {
			t.Errorf("import of every file warns: %s", w)
		}
	}
	for _, want := range []string{"arch_prctl", "set_tid_address", "write"} {
		if rec.Syscalls[native][want] == nil {
			t.Errorf("import of every file lacks %s: %v", want, rec.SyscallNames(native))
		}
	}
}

// runUnderOwnAuditd runs fn with auditd running on the configuration in confDir (which
// writes logFile), the kernel's backlog raised, and restores the audit settings after.
func runUnderOwnAuditd(t *testing.T, auditd, confDir, logFile string, fn func()) {
	t.Helper()
	before := auditStatus(t)
	cmd := exec.Command(auditd, "-n", "-c", confDir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start auditd: %v", err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
		exec.Command("auditctl", "-e", before["enabled"]).Run()
		exec.Command("auditctl", "-b", before["backlog_limit"]).Run()
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(10 * time.Second)
	for auditStatus(t)["pid"] == "0" {
		if time.Now().After(deadline) {
			t.Fatalf("auditd did not start: %s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out, err := exec.Command("auditctl", "-b", "8192").CombinedOutput(); err != nil {
		t.Fatalf("auditctl -b 8192: %v: %s", err, out)
	}
	fn()
	// Wait until the kernel's queue is empty and the log has stopped growing.
	var last int64 = -1
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		var size int64
		if fi, err := os.Stat(logFile); err == nil {
			size = fi.Size()
		}
		if auditStatus(t)["backlog"] == "0" && size == last {
			break
		}
		last = size
		time.Sleep(300 * time.Millisecond)
	}
	stop()
}
