package auditlog

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/syscalls"
)

// want is what one sample line must parse to.
type want struct {
	kind Kind
	form Form
	abi  syscalls.ABI
	name string
	nr   int64
	code string // Action of the code, "" when the record's code is interpreted text
	comm string
}

func sc(form Form, abi syscalls.ABI, nr int64, name, code, comm string) want {
	return want{kind: KindSeccomp, form: form, abi: abi, nr: nr, name: name, code: code, comm: comm}
}

// samples lists every line of testdata/audit-samples/*.log but the negative file.
var samples = map[string][]want{
	"chromiumos-debugd-audit_log_utils_test.log": {
		sc(FormAuditd, syscalls.AARCH64, 227, "msync", "KILL_PROCESS", "AsyncLocalStore"),
		sc(FormInterpreted, syscalls.AARCH64, 227, "msync", "", "AsyncLocalStore"),
	},
	"github-issues.log": {
		sc(FormJournal, syscalls.X86_64, 317, "seccomp", "KILL_THREAD", "(date)"),
		sc(FormJournal, syscalls.X86_64, 141, "setpriority", "KILL_THREAD", "pyzor"),
		sc(FormAudispd, syscalls.X86_64, 12, "brk", "KILL_THREAD", "clang++"),
		sc(FormInterpreted, syscalls.AARCH64, 48, "faccessat", "", "addconn"),
	},
	"go-libaudit-test3.log": {sc(FormAuditd, syscalls.X86, 132, "getpgid", "KILL_THREAD", "sshd")},
	"kubernetes-website-seccomp-tutorial.log": {
		sc(FormSyslog, syscalls.X86_64, 51, "getsockname", "LOG", "http-echo"),
		sc(FormSyslog, syscalls.X86_64, 54, "setsockopt", "LOG", "http-echo"),
		sc(FormSyslog, syscalls.X86_64, 202, "futex", "LOG", "http-echo"),
		sc(FormSyslog, syscalls.X86_64, 288, "accept4", "LOG", "http-echo"),
		sc(FormSyslog, syscalls.X86_64, 0, "read", "LOG", "http-echo"),
		sc(FormSyslog, syscalls.X86_64, 270, "pselect6", "LOG", "http-echo"),
		sc(FormSyslog, syscalls.X86_64, 270, "pselect6", "LOG", "http-echo"),
		sc(FormSyslog, syscalls.X86_64, 202, "futex", "LOG", "http-echo"),
	},
	"mailing-lists.log": {
		sc(FormAuditd, syscalls.S390X, 119, "sigreturn", "KILL_PROCESS", "virtiofsd"),
		sc(FormConsole, syscalls.X86, 265, "clock_gettime", "KILL_THREAD", "syz-executor1"),
	},
	"snapd-docs-security.log": {
		{kind: KindAppArmor, form: FormConsole},
		sc(FormConsole, syscalls.ARM, 983045, "set_tls", "KILL_THREAD", "env"),
	},
	"spo-auditsource-tests.log": {
		sc(FormConsole, syscalls.X86_64, 1, "write", "LOG", "sh"),
		sc(FormSyslog, syscalls.X86_64, 13, "rt_sigaction", "LOG", "sh"),
		sc(FormAuditd, syscalls.X86_64, 3, "close", "LOG", "ls"),
		sc(FormAuditd, syscalls.X86_64, 56, "clone", "LOG", "sh"),
		{kind: KindOther, form: FormAuditd}, // SELinux AVC
		{kind: KindOther, form: FormAuditd}, // SELinux AVC
		{kind: KindAppArmor, form: FormConsole},
		{kind: KindAppArmor, form: FormConsole},
		sc(FormConsole, syscalls.X86_64, 0, "read", "LOG", "sh"),
	},
}

// negatives gives, for each line of the negative file, the reason it must be rejected with.
var negatives = []error{
	ErrNotRecord, // type=1016 is not a seccomp type
	ErrNoStamp,   // type=1326 syscall=1
	&FieldError{Field: "uid"},
	&FieldError{Field: "uid", Value: "invalid"},
	&FieldError{Field: "gid", Value: "invalid"},
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	s.Buffer(nil, MaxLineLength)
	for s.Scan() {
		out = append(out, s.Text())
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSamples(t *testing.T) {
	files, _ := filepath.Glob("testdata/audit-samples/*.log")
	seen := 0
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasSuffix(base, ".negative.log") {
			continue
		}
		wants, ok := samples[base]
		if !ok {
			t.Errorf("%s: no expectations in the samples table", base)
			continue
		}
		lines := readLines(t, f)
		if len(lines) != len(wants) {
			t.Fatalf("%s: %d lines, %d expectations", base, len(lines), len(wants))
		}
		for i, line := range lines {
			seen++
			w := wants[i]
			var r Record
			err := r.Parse([]byte(line))
			if w.kind == KindOther {
				if !errors.Is(err, ErrNotRecord) {
					t.Errorf("%s:%d: got %v, want ErrNotRecord", base, i+1, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s:%d: %v", base, i+1, err)
				continue
			}
			if r.Kind != w.kind || r.Form != w.form {
				t.Errorf("%s:%d: kind %d form %s, want kind %d form %s", base, i+1, r.Kind, r.Form, w.kind, w.form)
			}
			if w.kind != KindSeccomp {
				continue
			}
			s := r.Seccomp
			code := ""
			if s.CodeKnown {
				code = Action(s.Code)
			}
			if s.ABI != w.abi || s.Nr != w.nr || s.Name != w.name || code != w.code || string(s.Comm) != w.comm {
				t.Errorf("%s:%d: got %s %d %q %q comm %q, want %s %d %q %q comm %q", base, i+1,
					s.ABI, s.Nr, s.Name, code, s.Comm, w.abi, w.nr, w.name, w.code, w.comm)
			}
			if !r.HasStamp && r.Form != FormJournal {
				t.Errorf("%s:%d: no stamp", base, i+1)
			}
		}
	}
	if seen == 0 {
		t.Fatal("no sample lines read")
	}
}

func TestNegativeSamples(t *testing.T) {
	lines := readLines(t, "testdata/audit-samples/spo-auditsource-tests.negative.log")
	if len(lines) != len(negatives) {
		t.Fatalf("%d lines, %d expectations", len(lines), len(negatives))
	}
	for i, line := range lines {
		var r Record
		err := r.Parse([]byte(line))
		if err == nil {
			t.Errorf("line %d accepted: %s", i+1, line)
			continue
		}
		var fe *FieldError
		if want, ok := negatives[i].(*FieldError); ok {
			if !errors.As(err, &fe) || fe.Field != want.Field || (want.Value != "" && fe.Value != want.Value) {
				t.Errorf("line %d: got %v, want %v", i+1, err, want)
			}
		} else if !errors.Is(err, negatives[i]) {
			t.Errorf("line %d: got %v, want %v", i+1, err, negatives[i])
		}
		if err.Error() == "" {
			t.Errorf("line %d: empty reason", i+1)
		}
	}
}
