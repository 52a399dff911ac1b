//go:build linux

package testutil

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// AuditStatus returns `auditctl -s` as a map (enabled, pid, backlog_limit, backlog, lost
// ...). It skips the test when auditctl is missing or cannot ask the kernel.
func AuditStatus(t testing.TB) map[string]string {
	t.Helper()
	RequireCommand(t, "auditctl")
	out, err := exec.Command("auditctl", "-s").Output()
	if err != nil {
		t.Skipf("auditctl -s: %v (no audit support?)", err)
	}
	return parseAuditStatus(string(out))
}

// parseAuditStatus reads auditctl -s's "name value" lines.
func parseAuditStatus(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(l), " "); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// auditdPID returns the pid of the audit daemon the kernel names in st (0 for none).
func auditdPID(st map[string]string) int {
	pid, _ := strconv.Atoi(st["pid"])
	return pid
}

// AuditDest is where the kernel sends audit records (seccomp's SCMP_ACT_LOG records, AppArmor's
// complain records ...).
type AuditDest struct {
	// PID is the audit daemon that receives them, 0 for none: the kernel then prints them to
	// its log (/dev/kmsg), through the console rate limit.
	PID int
	// LogFile is the file that daemon writes them to ("" without a daemon).
	LogFile string
}

// AuditRecordDest says where audit records go now: to the audit daemon the kernel names and
// the log file of its configuration, or, with no daemon, to the kernel log. A daemon that has
// died without unregistering (killed, crashed) is still named by the kernel until it next
// fails to send it a record, meanwhile printing records to the kernel log; AuditRecordDest
// makes the kernel forget such a daemon first, so the answer is true from the start. It
// skips the test when a live daemon writes no log (write_logs = no) or its log cannot be
// found. Without auditctl (or audit support) it answers the kernel log. Call it with the
// kernel-log lock held (LockKernelLog), or another test may start or stop a daemon meanwhile.
func AuditRecordDest(t testing.TB) AuditDest {
	t.Helper()
	out, err := exec.Command("auditctl", "-s").Output()
	if err != nil {
		// No auditctl (nor, then, an audit daemon from the same package) or no audit
		// support: what the kernel logs goes to its log.
		t.Logf("auditctl -s: %v: taking the records to go to the kernel log", err)
		return AuditDest{}
	}
	pid := auditdPID(parseAuditStatus(string(out)))
	if pid != 0 && !ProcessAlive(pid) {
		if err := forgetDeadAuditd(pid); err != nil {
			t.Fatalf("audit daemon %d has exited but the kernel still names it: %v", pid, err)
		}
		t.Logf("audit daemon %d had exited without unregistering; the kernel forgot it", pid)
		pid = 0
	}
	if pid == 0 {
		return AuditDest{}
	}
	path, err := auditdLogFile(pid)
	if err != nil {
		t.Skipf("an audit daemon (pid %d) receives the audit records, but its log cannot be read: %v", pid, err)
	}
	return AuditDest{PID: pid, LogFile: path}
}

// auditdLogFile returns the file audit daemon pid writes records to: log_file in the
// auditd.conf of its -c directory (default /etc/audit), default /var/log/audit/audit.log.
func auditdLogFile(pid int) (string, error) {
	cmdline, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return "", fmt.Errorf("read the audit daemon's command line: %w", err)
	}
	conf, err := os.ReadFile(filepath.Join(auditdConfDir(cmdline), "auditd.conf"))
	if err != nil {
		return "", fmt.Errorf("read the audit daemon's configuration: %w", err)
	}
	return auditdConfLogFile(conf)
}

// auditdConfDir returns the configuration directory of an audit daemon with the given
// /proc/PID/cmdline: its -c argument, else /etc/audit.
func auditdConfDir(cmdline []byte) string {
	dir := "/etc/audit"
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	for i, a := range args {
		if a == "-c" && i+1 < len(args) {
			dir = args[i+1]
		}
	}
	return dir
}

// errNoAuditLog says an audit daemon's configuration writes no log.
var errNoAuditLog = errors.New("the audit daemon writes no log (write_logs = no or log_format = NOLOG)")

// auditdConfLogFile returns the log file an auditd.conf names (default
// /var/log/audit/audit.log), or errNoAuditLog.
func auditdConfLogFile(conf []byte) (string, error) {
	path := "/var/log/audit/audit.log"
	s := bufio.NewScanner(bytes.NewReader(conf))
	for s.Scan() {
		l := s.Text()
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
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
	return path, s.Err()
}

// Netlink audit constants (linux/audit.h).
const (
	auditSet       = 1001 // AUDIT_SET
	auditStatusPID = 0x4  // AUDIT_STATUS_PID
)

// forgetDeadAuditd makes the kernel drop audit daemon pid, which has exited without
// unregistering: the kernel notices only when a send to the daemon fails, and until then
// names its pid (auditctl -s) while printing records to the kernel log. A request to set
// the daemon pid to 0 makes the kernel test its connection to the named daemon first and
// reset it when the daemon is gone (a live daemon stays: only it may unregister itself).
// This works whether or not auditing is enabled, unlike a configuration change, which makes
// a record (and so a failed send) only when it is. It waits until auditctl -s names
// another pid.
func forgetDeadAuditd(pid int) error {
	if err := setAuditPIDZero(); err != nil && !errors.Is(err, syscall.EACCES) {
		return err
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		out, err := exec.Command("auditctl", "-s").Output()
		if err != nil {
			return fmt.Errorf("auditctl -s: %w", err)
		}
		if auditdPID(parseAuditStatus(string(out))) != pid {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the kernel still names audit daemon %d after 5s", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// setAuditPIDZero sends the kernel AUDIT_SET with the daemon pid 0 and returns its answer.
// EACCES means a live daemon is registered (the kernel found it answering).
func setAuditPIDZero() error {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.NETLINK_AUDIT)
	if err != nil {
		return fmt.Errorf("open audit netlink socket: %w", err)
	}
	defer syscall.Close(fd)
	// struct nlmsghdr, then the start of struct audit_status: mask, enabled, failure, pid.
	msg := make([]byte, syscall.NLMSG_HDRLEN+4*4)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], uint32(len(msg)))
	ne.PutUint16(msg[4:], auditSet)
	ne.PutUint16(msg[6:], syscall.NLM_F_REQUEST|syscall.NLM_F_ACK)
	ne.PutUint32(msg[8:], 1) // sequence number
	ne.PutUint32(msg[syscall.NLMSG_HDRLEN:], auditStatusPID)
	if err := syscall.Sendto(fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return fmt.Errorf("send AUDIT_SET: %w", err)
	}
	buf := make([]byte, 4096)
	for {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("read the kernel's answer to AUDIT_SET: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return fmt.Errorf("parse the kernel's answer to AUDIT_SET: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Type != syscall.NLMSG_ERROR || len(m.Data) < 4 {
				continue
			}
			if errno := -int32(ne.Uint32(m.Data)); errno != 0 {
				return syscall.Errno(errno)
			}
			return nil
		}
	}
}
