//go:build linux

package profile

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// recordTail returns the audit records logged since the last call.
type recordTail interface{ messages() []string }

// openRecordTail follows where the kernel's seccomp audit records go: to a running audit
// daemon, which writes them to its log file, or else to the kernel log (/dev/kmsg). The
// tests that read them work either way. With a daemon, the kernel log is read too: a daemon
// that exits meanwhile (another test's, stopped as this one starts) leaves the kernel
// printing the records instead, and the kernel still names its pid until it notices.
func openRecordTail(t *testing.T) recordTail {
	t.Helper()
	pid := auditdPID()
	if pid == 0 {
		return openKmsgTail(t)
	}
	kmsg := openKmsgTail(t)
	path, err := auditdLogFile(pid)
	if err != nil {
		t.Skipf("an audit daemon (pid %d) receives the seccomp records, but its log cannot be read: %v", pid, err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("an audit daemon (pid %d) receives the seccomp records: %v", pid, err)
	}
	t.Cleanup(func() { f.Close() })
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		t.Fatalf("seek %s: %v", path, err)
	}
	t.Logf("an audit daemon (pid %d) runs: reading the records from %s and /dev/kmsg", pid, path)
	return bothTails{&fileTail{f: f}, kmsg}
}

// bothTails reads the records of two places.
type bothTails [2]recordTail

func (b bothTails) messages() []string { return append(b[0].messages(), b[1].messages()...) }

// auditdPID returns the pid of the audit daemon the kernel sends records to, 0 for none
// (or when auditctl cannot say).
func auditdPID() int {
	out, err := exec.Command("auditctl", "-s").Output()
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "pid "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// auditdLogFile returns the file audit daemon pid writes records to: log_file in the
// auditd.conf of its -c directory (default /etc/audit), default /var/log/audit/audit.log.
func auditdLogFile(pid int) (string, error) {
	dir := "/etc/audit"
	if cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); err == nil {
		args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
		for i, a := range args {
			if a == "-c" && i+1 < len(args) {
				dir = args[i+1]
			}
		}
	}
	conf, err := os.ReadFile(filepath.Join(dir, "auditd.conf"))
	if err != nil {
		return "", err
	}
	path := "/var/log/audit/audit.log"
	s := bufio.NewScanner(bytes.NewReader(conf))
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case k == "log_file":
			path = v
		case k == "write_logs" && strings.EqualFold(v, "no"), k == "log_format" && strings.EqualFold(v, "NOLOG"):
			return "", errNoAuditLog
		}
	}
	return path, nil
}

var errNoAuditLog = errors.New("the audit daemon writes no log (write_logs = no or log_format = NOLOG)")

// fileTail reads the complete lines appended to a file.
type fileTail struct {
	f       *os.File
	partial []byte
}

func (ft *fileTail) messages() []string {
	b, _ := io.ReadAll(ft.f)
	data := append(ft.partial, b...)
	end := bytes.LastIndexByte(data, '\n') + 1
	ft.partial = append([]byte(nil), data[end:]...)
	var out []string
	for _, l := range strings.Split(string(data[:end]), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
