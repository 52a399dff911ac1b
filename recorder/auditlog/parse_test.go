package auditlog

import (
	"bytes"
	"errors"
	"testing"

	"github.com/profgen/profgen/syscalls"
)

const rawBody = `auid=4294967295 uid=0 gid=0 ses=4294967295 pid=13740 comm="sh" exe="/usr/bin/dash" sig=0 arch=c000003e syscall=12 compat=0 ip=0x7fb5986dfc47 code=0x7ffc0000`

// TestForms covers the line forms not in the real samples, built around a record this
// machine's kernel wrote.
func TestForms(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		form   Form
		abi    syscalls.ABI
		nr     int64
		sys    string
		serial uint64
		code   string
		comm   string
	}{
		{"dmesg", "[  544.868433] audit: type=1326 audit(1795677319.286:3): " + rawBody, FormConsole, syscalls.X86_64, 12, "brk", 3, "LOG", "sh"},
		{"kmsg", "5,363,551932543,-;audit: type=1326 audit(1795677319.286:3): " + rawBody, FormKmsg, syscalls.X86_64, 12, "brk", 3, "LOG", "sh"},
		{"rsyslog high precision", "2026-05-26T19:47:43.396634-04:00 host kernel: audit: type=1326 audit(1795677319.286:3): " + rawBody, FormSyslog, syscalls.X86_64, 12, "brk", 3, "LOG", "sh"},
		{"auditd enriched", "type=SECCOMP msg=audit(1795677319.286:3): " + rawBody + "\x1dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=x86_64 SYSCALL=unknown-syscall(-1)", FormAuditd, syscalls.X86_64, 12, "brk", 3, "LOG", "sh"},
		{"audispd", "node=n1 type=SECCOMP msg=audit(1795677319.286:3): " + rawBody, FormAudispd, syscalls.X86_64, 12, "brk", 3, "LOG", "sh"},
		{"journal json audit transport", `{"_TRANSPORT":"audit","_AUDIT_TYPE":"1326","_AUDIT_ID":"3","_SOURCE_REALTIME_TIMESTAMP":"1795677319286000","MESSAGE":"SECCOMP ` + jsonEsc(rawBody) + `"}`, FormJournalJSON, syscalls.X86_64, 12, "brk", 3, "LOG", "sh"},
		{"journal json kernel transport", `{"_TRANSPORT":"kernel","MESSAGE":"audit: type=1326 audit(1795677319.286:3): ` + jsonEsc(rawBody) + `"}`, FormJournalJSON, syscalls.X86_64, 12, "brk", 3, "LOG", "sh"},
		{"x32", "type=SECCOMP msg=audit(1795677319.286:4): auid=0 uid=0 gid=0 ses=1 pid=1 comm=\"a\" exe=\"/a\" sig=0 arch=c000003e syscall=1073741825 compat=0 ip=0x1 code=0x50001", FormAuditd, syscalls.X32, 0x40000001, "write", 4, "ERRNO(1)", "a"},
		{"hex comm", "type=SECCOMP msg=audit(1795677319.286:5): auid=0 uid=0 gid=0 ses=1 pid=1 comm=6D792070726F67 exe=\"/a\" sig=31 arch=c00000b7 syscall=9999 compat=0 ip=0x1 code=0x80000000", FormAuditd, syscalls.AARCH64, 9999, "", 5, "KILL_PROCESS", "my prog"},
		{"riscv64", "type=SECCOMP msg=audit(1795677319.286:6): auid=0 uid=0 gid=0 ses=1 pid=1 comm=\"a\" exe=\"/a\" sig=0 arch=c00000f3 syscall=64 compat=0 ip=0x1 code=0x7ffc0000", FormAuditd, syscalls.RISCV64, 64, "write", 6, "LOG", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			if err := r.Parse([]byte(tt.line)); err != nil {
				t.Fatal(err)
			}
			s := r.Seccomp
			if r.Kind != KindSeccomp || r.Form != tt.form || s.ABI != tt.abi || s.Nr != tt.nr || s.Name != tt.sys || r.Serial != tt.serial || Action(s.Code) != tt.code || string(s.Comm) != tt.comm {
				t.Errorf("got kind %d %s %s %d %q serial %d %s comm %q", r.Kind, r.Form, s.ABI, s.Nr, s.Name, r.Serial, Action(s.Code), s.Comm)
			}
			if r.Time.UnixMilli() != 1795677319286 {
				t.Errorf("time %v", r.Time)
			}
		})
	}
}

func jsonEsc(s string) string {
	out := ""
	for _, c := range s {
		if c == '"' {
			out += `\"`
		} else {
			out += string(c)
		}
	}
	return out
}

func TestLossLines(t *testing.T) {
	tests := []struct {
		line   string
		reason string
		n      uint64
	}{
		{"[  551.932188] kauditd_printk_skb: 428 callbacks suppressed", LossCallbacksSuppressed, 428},
		{"Nov 26 07:00:00 host kernel: [  551.932188] kauditd_printk_skb: 7 callbacks suppressed", LossCallbacksSuppressed, 7},
		{"audit: audit_lost=5 audit_rate_limit=0 audit_backlog_limit=64", LossAuditLost, 5},
		{"audit: kauditd hold queue overflow", LossHoldQueue, 1},
		{"audit: audit_backlog=65 > audit_backlog_limit=64", LossBacklog, 1},
	}
	for _, tt := range tests {
		var r Record
		if err := r.Parse([]byte(tt.line)); err != nil || r.Kind != KindLoss || r.Loss.Reason != tt.reason || r.Loss.Count != tt.n {
			t.Errorf("%q: err %v kind %d loss %+v", tt.line, err, r.Kind, r.Loss)
		}
	}
	// a rate limit message of another subsystem is not audit loss
	var r Record
	if err := r.Parse([]byte("[ 1.0] net_ratelimit: 3 callbacks suppressed")); !errors.Is(err, ErrNotRecord) {
		t.Errorf("net_ratelimit: %v", err)
	}
}

func TestRejects(t *testing.T) {
	tests := []struct {
		name string
		line string
		want error
	}{
		{"binary", "type=SECCOMP msg=audit(1.2:3): uid=0 gid=0 pid=1 \x00\x01 arch=c000003e syscall=1 code=0x0", ErrBinary},
		{"bad stamp", "type=SECCOMP msg=audit(12x.2:3): " + rawBody, ErrBadStamp},
		{"truncated", "type=SECCOMP msg=audit(1795677319.286:3): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=13740 comm=\"sh\" exe=\"/usr/bin/dash\" sig=0 arch=c000003e sysc", &FieldError{Field: "syscall"}},
		{"unknown arch", "type=SECCOMP msg=audit(1795677319.286:3): auid=0 uid=0 gid=0 ses=1 pid=1 arch=deadbeef syscall=1 code=0x0", &FieldError{Field: "arch"}},
		{"other type", "type=SYSCALL msg=audit(1795677319.286:3): arch=c000003e syscall=1 success=yes", ErrNotRecord},
		{"plain", "hello world", ErrNotRecord},
		{"selinux", `type=AVC msg=audit(1613173578.156:2945): avc:  denied  { read } for  pid=75593`, ErrNotRecord},
	}
	for _, tt := range tests {
		var r Record
		err := r.Parse([]byte(tt.line))
		var fe, want *FieldError
		if errors.As(tt.want, &want) {
			if !errors.As(err, &fe) || fe.Field != want.Field {
				t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
			}
		} else if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
		if r.Kind == KindSeccomp {
			t.Errorf("%s: kind seccomp on error", tt.name)
		}
	}
}

func TestAction(t *testing.T) {
	for code, want := range map[uint32]string{0x80000000: "KILL_PROCESS", 0: "KILL_THREAD", 0x30005: "TRAP(5)", 0x50001: "ERRNO(1)", 0x7fc00000: "USER_NOTIF", 0x7ff00002: "TRACE(2)", 0x7ffc0000: "LOG", 0x7fff0000: "ALLOW", 0x12340000: "0x12340000"} {
		if got := Action(code); got != want {
			t.Errorf("Action(%#x) = %s, want %s", code, got, want)
		}
	}
}

// TestCheckTextWords: the word-at-a-time test agrees with the byte-by-byte one for every byte
// value at every position of a line (before, in and after whole words), amid text bytes
// from both ends of the range.
func TestCheckTextWords(t *testing.T) {
	for _, fill := range []byte{' ', 'a', 0x7f, 0x80, 0xff} {
		for pos := 0; pos < 19; pos++ {
			for c := 0; c < 256; c++ {
				line := bytes.Repeat([]byte{fill}, 19)
				line[pos] = byte(c)
				if got, want := checkText(line), checkBytes(line); got != want {
					t.Fatalf("byte %#x at %d amid %#x: checkText %v, byte by byte %v", c, pos, fill, got, want)
				}
			}
		}
	}
}

func TestParseUint(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true}, {"42", 42, true}, {"1795677319", 1795677319, true},
		{"9999999999999999999", 9999999999999999999, true},   // 19 digits
		{"18446744073709551615", 18446744073709551615, true}, // 2^64-1
		{"18446744073709551616", 0, false},                   // 2^64
		{"99999999999999999999", 0, false},
		{"000000000000000000001", 0, false}, // 21 digits
		{"", 0, false}, {"-1", 0, false}, {"1a", 0, false}, {"1/", 0, false}, {":", 0, false},
	} {
		got, ok := parseUint([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseUint(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
