package auditlog

import (
	"errors"
	"fmt"
	"time"

	"github.com/profgen/profgen/syscalls"
)

// Form is the way a log line carries an audit record.
type Form uint8

// The line forms the parser recognises.
const (
	FormUnknown     Form = iota
	FormConsole          // kernel console or dmesg: "audit: type=1326 audit(...): ...", with or without "[ 12.3]"
	FormKmsg             // /dev/kmsg: "5,363,551932543,-;audit: type=1326 ..."
	FormSyslog           // rsyslog kern.log/syslog, classic or high-precision timestamp, "kernel: ..."
	FormAuditd           // auditd's audit.log: "type=SECCOMP msg=audit(...): ...", maybe enriched after 0x1d
	FormAudispd          // audisp/auditd remote logging: "node=host type=SECCOMP msg=audit(...)"
	FormInterpreted      // ausearch -i: "type=SECCOMP msg=audit(06/26/25 17:24:52.830:4911) : ..."
	FormJournal          // journalctl short output: "audit[207]: SECCOMP auid=..."
	FormJournalJSON      // journalctl -o json: {"MESSAGE": ..., "_AUDIT_TYPE": ...}
)

// recentName is a syscall named lately, so that the next record of it is named without the
// table lookup.
type recentName struct {
	abi  syscalls.ABI
	nr   int64
	name string // "" when the ABI's table has no such syscall
}

// numForms is the number of Form values.
const numForms = len(formNames)

var formNames = [...]string{"unknown", "console", "kmsg", "syslog", "auditd", "audispd", "ausearch-i", "journal", "journal-json"}

func (f Form) String() string {
	if int(f) < len(formNames) {
		return formNames[f]
	}
	return fmt.Sprintf("form(%d)", int(f))
}

// Kind says what a parsed line holds.
type Kind uint8

// Kinds of lines.
const (
	KindOther    Kind = iota // not a record profgen reads (another audit type, another log message)
	KindSeccomp              // a seccomp record (type 1326, SECCOMP)
	KindAppArmor             // an AppArmor record (type 1400 with apparmor=, 1500-1507, USER_AVC from dbus)
	KindLoss                 // a kernel message saying audit records were lost
)

// Record is one parsed line. Byte-slice fields point into the parsed line (or into the
// record's scratch space) and stay valid only until the line's buffer is reused or the
// Record is passed to Parse again; copy what you keep.
type Record struct {
	Kind Kind
	Form Form
	// Type is the record type as written: "1326", "SECCOMP", "AVC", "1400", "APPARMOR_DENIED".
	Type []byte
	// Time and Serial come from the audit(SECONDS.MILLIS:SERIAL) stamp; HasStamp is false
	// when the line has none (journald short output).
	Time     time.Time
	Serial   uint64
	HasStamp bool

	Seccomp  Seccomp
	AppArmor AppArmor
	Loss     Loss

	scratch []byte
	arch    uint32 // last audit arch named, and its ABI
	archABI syscalls.ABI
	names   [64]recentName // syscalls named lately, by number
}

// Seccomp holds the fields of a seccomp record (kernel/auditsc.c audit_seccomp).
type Seccomp struct {
	PID, UID, GID uint64
	Comm, Exe     []byte
	Sig           int64
	// AuditArch is the arch= value (AUDIT_ARCH_*); ABI and Syscall name the call on the
	// record's own ABI.
	AuditArch uint32
	ABI       syscalls.ABI
	Nr        int64
	// Name is the syscall's name on ABI, or "" when ABI has no syscall Nr.
	Name   string
	Compat bool
	// Code is the filter's return value (SECCOMP_RET_*); CodeKnown is false for ausearch -i
	// output, whose interpreted code= cannot be trusted.
	Code      uint32
	CodeKnown bool
}

// Loss is what a loss message says: Reason names the sign (callbacks_suppressed,
// audit_lost, hold_queue_overflow, backlog_limit_exceeded, rate_limit_exceeded) and Count how
// many records it accounts for (for audit_lost, the kernel's running total).
type Loss struct {
	Reason string
	Count  uint64
}

// Errors a line can be rejected with. ErrNotRecord is the common, harmless case.
var (
	ErrNotRecord = errors.New("not a seccomp or AppArmor record")
	ErrBinary    = errors.New("binary data")
	ErrNoStamp   = errors.New("no audit(...) stamp")
	ErrBadStamp  = errors.New("bad audit(...) stamp")
	ErrTooLong   = fmt.Errorf("line longer than %d bytes", MaxLineLength)
)

// FieldError reports a missing or malformed field of a record.
type FieldError struct {
	Field string
	Value string // "" when the field is missing
}

func (e *FieldError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("missing field %s=", e.Field)
	}
	v := e.Value
	if len(v) > 40 {
		v = v[:40] + "..."
	}
	return fmt.Sprintf("bad value %s=%q", e.Field, v)
}

func missing(field string) error { return &FieldError{Field: field} }
func bad(field string, v []byte) error {
	if len(v) == 0 {
		return &FieldError{Field: field, Value: `""`}
	}
	return &FieldError{Field: field, Value: string(v)}
}

// Action decodes a SECCOMP_RET_* value the way the kernel defines it (include/uapi/linux/seccomp.h):
// KILL_PROCESS, KILL_THREAD, TRAP(data), ERRNO(n), USER_NOTIF, TRACE(data), LOG, ALLOW.
func Action(code uint32) string {
	data := code & 0xffff
	switch code & 0xffff0000 {
	case 0x80000000:
		return "KILL_PROCESS"
	case 0x00000000:
		return "KILL_THREAD"
	case 0x00030000:
		return fmt.Sprintf("TRAP(%d)", data)
	case 0x00050000:
		return fmt.Sprintf("ERRNO(%d)", data)
	case 0x7fc00000:
		return "USER_NOTIF"
	case 0x7ff00000:
		return fmt.Sprintf("TRACE(%d)", data)
	case 0x7ffc0000:
		return "LOG"
	case 0x7fff0000:
		return "ALLOW"
	}
	return fmt.Sprintf("0x%x", code)
}
