//go:build linux

package testutil

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// AuditdOptions configures a test's own audit daemon.
type AuditdOptions struct {
	// MaxLogFileMB is the size at which the daemon rotates its log (0: 8 MB).
	MaxLogFileMB int
	// NumLogs is how many log files it keeps, the current one included (0: 2).
	NumLogs int
}

// Auditd is an audit daemon a test started with StartAuditd.
type Auditd struct {
	Dir     string // its configuration directory (auditd.conf), private to the test
	LogFile string // the log it writes; rotated files are LogFile.1 (newest) ...
	PID     int

	cmd     *exec.Cmd
	stderr  bytes.Buffer
	exited  chan struct{} // closed once cmd has been waited for
	stopped bool
}

// StartAuditd starts an audit daemon of the test's own, with a configuration and log in a
// temporary directory, raises the kernel's backlog to 8192 so no record is lost while it
// runs, and returns once the kernel sends it the records. It stops the daemon when the test
// ends (Stop) and puts the kernel's audit settings back as they were. It takes the kernel-log
// lock. The kernel takes one audit daemon: when another one runs (someone else's), the test
// is skipped.
func StartAuditd(t testing.TB, opts AuditdOptions) *Auditd {
	t.Helper()
	RequireRoot(t)
	auditd := RequireCommand(t, "auditd")
	LockKernelLog(t)
	if d := AuditRecordDest(t); d.PID != 0 {
		t.Skipf("an audit daemon (pid %d) runs already; the kernel takes one, and this test runs its own", d.PID)
	}
	a := &Auditd{Dir: t.TempDir()}
	a.LogFile = filepath.Join(a.Dir, "log", "audit.log")
	if err := writeAuditdConf(a.Dir, a.LogFile, opts); err != nil {
		t.Fatal(err)
	}
	RestoreAuditSettings(t)
	a.cmd = exec.Command(auditd, "-n", "-c", a.Dir)
	a.cmd.Stderr = &a.stderr
	// A test binary killed (go test's timeout) cannot stop its daemon: the kernel does, and
	// the daemon then unregisters, instead of staying as "someone else's" for later tests.
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("start auditd: %v", err)
	}
	a.PID = a.cmd.Process.Pid
	a.exited = make(chan struct{})
	go func() { a.cmd.Wait(); close(a.exited) }()
	t.Cleanup(func() { a.Stop(t) })
	for deadline := time.Now().Add(10 * time.Second); auditdPID(AuditStatus(t)) != a.PID; {
		select {
		case <-a.exited:
			t.Fatalf("auditd exited as it started (%v): %s", a.cmd.ProcessState, a.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("auditd (pid %d) did not register with the kernel within 10s: %s", a.PID, a.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if out, err := exec.Command("auditctl", "-b", "8192").CombinedOutput(); err != nil {
		t.Fatalf("auditctl -b 8192: %v: %s", err, out)
	}
	return a
}

// writeAuditdConf writes an auditd.conf into dir for a daemon that writes logFile and takes
// no action on a full disk (a test's machine may have little space), with no plugins.
func writeAuditdConf(dir, logFile string, opts AuditdOptions) error {
	if opts.MaxLogFileMB == 0 {
		opts.MaxLogFileMB = 8
	}
	if opts.NumLogs == 0 {
		opts.NumLogs = 2
	}
	plugins := filepath.Join(dir, "plugins")
	for _, d := range []string{filepath.Dir(logFile), plugins} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("make the audit daemon's directories: %w", err)
		}
	}
	conf := fmt.Sprintf(`log_file = %s
log_format = ENRICHED
write_logs = yes
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = %d
num_logs = %d
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
`, logFile, opts.MaxLogFileMB, opts.NumLogs, plugins)
	if err := os.WriteFile(filepath.Join(dir, "auditd.conf"), []byte(conf), 0o640); err != nil {
		return fmt.Errorf("write auditd.conf: %w", err)
	}
	return nil
}

// RestoreAuditSettings puts the kernel's audit settings that tests change (enabled,
// backlog_limit) back as they are now when the test ends. An audit daemon disables auditing
// as it stops (its -s default), so a test that starts one calls this first: its clean-up
// then runs after the daemon's.
func RestoreAuditSettings(t testing.TB) {
	t.Helper()
	before := AuditStatus(t)
	t.Cleanup(func() {
		for _, s := range []struct{ opt, key string }{{"-e", "enabled"}, {"-b", "backlog_limit"}} {
			if v := before[s.key]; v != "" {
				if out, err := exec.Command("auditctl", s.opt, v).CombinedOutput(); err != nil {
					t.Errorf("restore audit %s: auditctl %s %s: %v: %s", s.key, s.opt, v, err, out)
				}
			}
		}
	})
}

// Flush waits until the kernel's audit queue is empty and the daemon's log has stopped
// growing, so the records of what ran before are in the log (at most 10 seconds).
func (a *Auditd) Flush(t testing.TB) {
	t.Helper()
	WaitAuditFlushed(t, a.LogFile)
}

// WaitAuditFlushed waits until the kernel's audit queue is empty and logFile, not empty (a
// daemon's first record says it started), has stopped growing (at most 10 seconds).
func WaitAuditFlushed(t testing.TB, logFile string) {
	t.Helper()
	var last int64 = -1
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		var size int64
		if fi, err := os.Stat(logFile); err == nil {
			size = fi.Size()
		}
		if AuditStatus(t)["backlog"] == "0" && size == last && size > 0 {
			return
		}
		last = size
		time.Sleep(300 * time.Millisecond)
	}
	t.Logf("%s still growing after 10s", logFile)
}

// Stop flushes the daemon's records to its log and stops it (see StopAuditd). It may be
// called more than once; the test's clean-up calls it too.
func (a *Auditd) Stop(t testing.TB) {
	t.Helper()
	if a.stopped {
		return
	}
	a.stopped = true
	if ProcessAlive(a.PID) {
		a.Flush(t)
	}
	a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.exited:
	case <-time.After(10 * time.Second):
		t.Errorf("auditd (pid %d) did not stop within 10s of SIGTERM; killing it", a.PID)
		a.cmd.Process.Kill()
		<-a.exited
	}
	waitAuditdUnregistered(t, a.PID)
}

// StopAuditd stops audit daemon pid, which is not the test's child (one a command under test
// started): SIGTERM, then it waits until the process has exited and the kernel no longer
// names it (see waitAuditdUnregistered), so the next test finds the records where
// AuditRecordDest says.
func StopAuditd(t testing.TB, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Errorf("stop audit daemon %d: %v", pid, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ProcessAlive(pid) {
		if time.Now().After(deadline) {
			t.Errorf("audit daemon %d did not stop within 10s of SIGTERM; killing it", pid)
			syscall.Kill(pid, syscall.SIGKILL)
			deadline = time.Now().Add(10 * time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
	waitAuditdUnregistered(t, pid)
}

// waitAuditdUnregistered returns once the kernel no longer names audit daemon pid, which has
// exited. A daemon stopped by SIGTERM unregisters itself; one that died otherwise (killed,
// crashed) is named until the kernel next fails to send it a record, which on a quiet
// machine may be long: the kernel is made to forget it (forgetDeadAuditd).
func waitAuditdUnregistered(t testing.TB, pid int) {
	t.Helper()
	if auditdPID(AuditStatus(t)) != pid {
		return
	}
	if err := forgetDeadAuditd(pid); err != nil {
		t.Errorf("audit daemon %d stopped: %v", pid, err)
	}
}

// AuditCapture collects the audit records written while part of a test runs: through an
// audit daemon of the test's own when none runs, else from the log of the daemon that runs
// (someone else's), from where it ends now. Either way the test reads its records from one
// file (Stop), so it works with and without an audit daemon on the machine.
type AuditCapture struct {
	// Foreign says the records come from a daemon the test did not start.
	Foreign bool

	own    *Auditd
	log    string      // the foreign daemon's log
	start  os.FileInfo // that log when the capture started
	offset int64
}

// CaptureAuditRecords starts collecting audit records (see AuditCapture), with the kernel's
// backlog raised to 8192 so none is lost, and takes the kernel-log lock.
func CaptureAuditRecords(t testing.TB) *AuditCapture {
	t.Helper()
	RequireRoot(t)
	LockKernelLog(t)
	d := AuditRecordDest(t)
	if d.PID == 0 {
		return &AuditCapture{own: StartAuditd(t, AuditdOptions{})}
	}
	RestoreAuditSettings(t)
	if out, err := exec.Command("auditctl", "-b", "8192").CombinedOutput(); err != nil {
		t.Fatalf("auditctl -b 8192: %v: %s", err, out)
	}
	fi, err := os.Stat(d.LogFile)
	if err != nil {
		t.Skipf("an audit daemon (pid %d) runs, but its log cannot be read: %v", d.PID, err)
	}
	t.Logf("an audit daemon (pid %d) runs: collecting its records from %s", d.PID, d.LogFile)
	return &AuditCapture{Foreign: true, log: d.LogFile, start: fi, offset: fi.Size()}
}

// Stop waits until the records of what ran are written, ends the capture (stopping the test's
// own daemon), and returns a file holding the records written since the capture started.
func (c *AuditCapture) Stop(t testing.TB) string {
	t.Helper()
	if c.own != nil {
		c.own.Stop(t)
		return c.own.LogFile
	}
	WaitAuditFlushed(t, c.log)
	out := filepath.Join(t.TempDir(), "audit.log")
	if err := copyLogSince(out, c.log, c.start, c.offset); err != nil {
		t.Fatal(err)
	}
	return out
}

// copyLogSince writes to out what was appended to log after offset, where start was log's
// file then: when the daemon has rotated it meanwhile, the rest of the old file (log.1) comes
// first, then the whole new one.
func copyLogSince(out, log string, start os.FileInfo, offset int64) error {
	w, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("collect audit records: %w", err)
	}
	defer w.Close()
	appendFrom := func(path string, off int64) error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("collect audit records: %w", err)
		}
		defer f.Close()
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return fmt.Errorf("collect audit records: seek %s: %w", path, err)
		}
		if _, err := io.Copy(w, f); err != nil {
			return fmt.Errorf("collect audit records from %s: %w", path, err)
		}
		return nil
	}
	if fi, err := os.Stat(log); err == nil && !os.SameFile(fi, start) {
		if old, err := os.Stat(log + ".1"); err != nil || !os.SameFile(old, start) {
			return fmt.Errorf("collect audit records: %s was rotated more than once while the test ran", log)
		}
		if err := appendFrom(log+".1", offset); err != nil {
			return err
		}
		offset = 0
	}
	if err := appendFrom(log, offset); err != nil {
		return err
	}
	return w.Close()
}
