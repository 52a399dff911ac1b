//go:build linux

package testutil

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseAuditStatus(t *testing.T) {
	out := "enabled 1\nfailure 1\npid 4242\nrate_limit 0\nbacklog_limit 8192\nlost 4\nbacklog 0\nloginuid_immutable 0 unlocked\n"
	st := parseAuditStatus(out)
	for k, want := range map[string]string{"enabled": "1", "pid": "4242", "backlog_limit": "8192", "backlog": "0", "loginuid_immutable": "0 unlocked"} {
		if st[k] != want {
			t.Errorf("%s = %q, want %q", k, st[k], want)
		}
	}
	if auditdPID(st) != 4242 || auditdPID(parseAuditStatus("enabled 1\n")) != 0 {
		t.Errorf("auditdPID: %d, %d", auditdPID(st), auditdPID(parseAuditStatus("enabled 1\n")))
	}
}

func TestAuditdConfLogFile(t *testing.T) {
	for _, tc := range []struct {
		conf, want string
		err        error
	}{
		{"", "/var/log/audit/audit.log", nil},
		{"log_format = ENRICHED\nlog_file = /tmp/x/audit.log\n", "/tmp/x/audit.log", nil},
		{"log_file=/a.log\n# log_file = /b.log\n", "/a.log", nil},
		{"write_logs = no\nlog_file = /a.log\n", "", errNoAuditLog},
		{"log_format = NOLOG\n", "", errNoAuditLog},
	} {
		got, err := auditdConfLogFile([]byte(tc.conf))
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%q: %q, %v; want %q, %v", tc.conf, got, err, tc.want, tc.err)
		}
	}
	for cmdline, want := range map[string]string{
		"auditd\x00":                             "/etc/audit",
		"/sbin/auditd\x00-n\x00-c\x00/tmp/a\x00": "/tmp/a",
	} {
		if got := auditdConfDir([]byte(cmdline)); got != want {
			t.Errorf("auditdConfDir(%q) = %q, want %q", cmdline, got, want)
		}
	}
}

// TestProcessLives: this process lives; an exited child that is not waited for yet (a
// zombie) does not.
func TestProcessLives(t *testing.T) {
	if !ProcessAlive(os.Getpid()) {
		t.Error("this process does not live")
	}
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer cmd.Wait()
	for deadline := time.Now().Add(5 * time.Second); ProcessAlive(cmd.Process.Pid); {
		if time.Now().After(deadline) {
			t.Fatal("an exited child still lives after 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAuditdStartStop: while the test's daemon runs, the records go to its log; once it is
// stopped, the kernel no longer names it and the records go to the kernel log.
func TestAuditdStartStop(t *testing.T) {
	a := StartAuditd(t, AuditdOptions{})
	if d := AuditRecordDest(t); d.PID != a.PID || d.LogFile != a.LogFile {
		t.Errorf("records go to %+v, want the test's daemon %d writing %s", d, a.PID, a.LogFile)
	}
	// StartAuditd's auditctl -b is a configuration change: a record in the daemon's log.
	a.Flush(t)
	if b, err := os.ReadFile(a.LogFile); err != nil || !strings.Contains(string(b), "backlog_limit=8192") {
		t.Errorf("the daemon's log lacks the configuration change record (%v):\n%s", err, b)
	}
	a.Stop(t)
	if pid := auditdPID(AuditStatus(t)); pid == a.PID {
		t.Errorf("the kernel still names the stopped daemon %d", pid)
	}
	if d := AuditRecordDest(t); d != (AuditDest{}) {
		t.Errorf("records go to %+v after the daemon stopped, want the kernel log", d)
	}
}

// TestAuditdKilled: a daemon killed (it cannot unregister) is still named by the kernel
// until it fails to send it a record; AuditRecordDest and Stop make the kernel forget it, with
// auditing enabled and disabled (then a configuration change makes no record that could
// show the kernel the daemon is gone).
func TestAuditdKilled(t *testing.T) {
	for _, enabled := range []string{"1", "0"} {
		t.Run("enabled="+enabled, func(t *testing.T) {
			a := StartAuditd(t, AuditdOptions{})
			if out, err := exec.Command("auditctl", "-e", enabled).CombinedOutput(); err != nil {
				t.Fatalf("auditctl -e %s: %v: %s", enabled, err, out)
			}
			if err := a.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-a.exited
			if pid := auditdPID(AuditStatus(t)); pid == a.PID {
				t.Logf("the kernel still names the killed daemon %d", pid)
			} else {
				t.Logf("the kernel already forgot the killed daemon (a record was sent meanwhile): pid %d", pid)
			}
			if d := AuditRecordDest(t); d != (AuditDest{}) {
				t.Errorf("records go to %+v after the daemon was killed, want the kernel log", d)
			}
			if pid := auditdPID(AuditStatus(t)); pid == a.PID {
				t.Errorf("the kernel still names the killed daemon %d", pid)
			}
			a.Stop(t)
		})
	}
}

// TestStopAuditdUnregisters: StopAuditd stops a daemon that is not the test's child (as a
// command under test starts it: auditd forks and its parent exits) and returns once the
// kernel no longer names it.
func TestStopAuditdUnregisters(t *testing.T) {
	RequireRoot(t)
	auditd := RequireCommand(t, "auditd")
	LockKernelLog(t)
	if d := AuditRecordDest(t); d.PID != 0 {
		t.Skipf("an audit daemon (pid %d) runs already", d.PID)
	}
	dir := t.TempDir()
	if err := writeAuditdConf(dir, dir+"/log/audit.log", AuditdOptions{}); err != nil {
		t.Fatal(err)
	}
	RestoreAuditSettings(t)
	if out, err := exec.Command(auditd, "-c", dir).CombinedOutput(); err != nil {
		t.Fatalf("auditd -c %s: %v: %s", dir, err, out)
	}
	var pid int
	for deadline := time.Now().Add(10 * time.Second); pid == 0; pid = auditdPID(AuditStatus(t)) {
		if time.Now().After(deadline) {
			t.Fatal("auditd did not register within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) }) // if StopAuditd failed
	StopAuditd(t, pid)
	if ProcessAlive(pid) {
		t.Errorf("audit daemon %d still lives", pid)
	}
	if got := auditdPID(AuditStatus(t)); got == pid {
		t.Errorf("the kernel still names the stopped daemon %d", pid)
	}
}

// TestCopyLogSince: what a foreign daemon appended to its log after the capture started,
// through a rotation (the old file renamed to log.1, a new log) too.
func TestCopyLogSince(t *testing.T) {
	dir := t.TempDir()
	log := dir + "/audit.log"
	write := func(path, s string) {
		t.Helper()
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	read := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	out := dir + "/out"
	write(log, "before\n")
	start, _ := os.Stat(log)
	write(log, "a\n")
	if err := copyLogSince(out, log, start, start.Size()); err != nil || read(out) != "a\n" {
		t.Errorf("appended: %v, %q", err, read(out))
	}
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	write(log, "b\n")
	if err := copyLogSince(out, log, start, start.Size()); err != nil || read(out) != "a\nb\n" {
		t.Errorf("rotated once: %v, %q", err, read(out))
	}
	if err := os.Rename(log+".1", log+".2"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	write(log, "c\n")
	if err := copyLogSince(out, log, start, start.Size()); err == nil {
		t.Errorf("rotated twice: no error, %q", read(out))
	}
}
