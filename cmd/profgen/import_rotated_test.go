//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
)

// TestImportRealRotatedLog runs auditd with a configuration of its own (1 MB log files, ten
// kept) while a busybox shell loop runs under a log profile and fills several files. The
// import of the newest file alone warns that busybox started before its input; the import of
// every file, oldest first, does not, and holds the shell's start-up calls.
func TestImportRealRotatedLog(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.LockKernelLog(t)
	bb := testutil.RequireCommand(t, "busybox")
	dir := t.TempDir()
	bbx := filepath.Join(dir, "busybox-rotatetest")
	copyFile(t, bb, bbx, 0o755)
	logProfile := writeAuditProfile(t, dir)
	// About 2 KB of records per turn of the loop: some 4 MB in all.
	loop := `i=0; while [ $i -lt 2000 ]; do echo $i > /dev/null; i=$((i+1)); done`
	auditd := testutil.StartAuditd(t, testutil.AuditdOptions{MaxLogFileMB: 1, NumLogs: 10})
	cmd := profgenCommand("exec", "--seccomp", logProfile, "--", bbx, "sh", "-c", loop)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("profgen exec: %v\n%s", err, out)
	}
	auditd.Stop(t)
	logFile := auditd.LogFile
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
