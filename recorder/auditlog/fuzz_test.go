package auditlog

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/profgen/profgen/profile"
)

// corpusLines returns every line of the real corpora in testdata, and the synthetic lines of
// this package's tests.
func corpusLines(tb testing.TB) []string {
	var out []string
	for _, pat := range []string{"testdata/audit-samples/*.log", "testdata/apparmor-test_multi/*.in"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			for _, l := range strings.Split(string(data), "\n") {
				if l != "" {
					out = append(out, l)
				}
			}
		}
	}
	out = append(out,
		"5,363,551932543,-;audit: type=1326 audit(1795677319.286:3): "+rawBody,
		"[  551.932188] kauditd_printk_skb: 428 callbacks suppressed",
		"audit: audit_lost=5 audit_rate_limit=0 audit_backlog_limit=64",
		`{"_TRANSPORT":"audit","_AUDIT_TYPE":"1326","_AUDIT_ID":"3","MESSAGE":"SECCOMP `+jsonEsc(rawBody)+`"}`,
		`{"_TRANSPORT":"kernel","MESSAGE":"audit: type=1326 audit(1795677319.286:3): `+jsonEsc(rawBody)+`"}`,
		"type=SECCOMP msg=audit(1795677319.286:3): "+rawBody+"\x1dAUID=\"unset\" ARCH=x86_64 SYSCALL=brk",
	)
	return out
}

// seedForms adds the corpus lines of the given forms (by what Parse makes of them) as seeds.
func seedForms(f *testing.F, forms ...Form) {
	n := 0
	for _, l := range corpusLines(f) {
		var r Record
		r.Parse([]byte(l))
		for _, form := range forms {
			if r.Form == form {
				f.Add([]byte(l))
				n++
				break
			}
		}
	}
	if n == 0 {
		f.Fatalf("no seeds of forms %v", forms)
	}
}

// checkParse runs Parse on line and checks what must hold of any result.
func checkParse(t *testing.T, line []byte) {
	orig := append([]byte(nil), line...)
	var r Record
	err := r.Parse(line)
	if !bytes.Equal(line, orig) {
		t.Fatal("Parse changed its input")
	}
	if err == nil && r.Kind == KindOther {
		t.Fatal("nil error for a line of kind other")
	}
	if err != nil && r.Kind == KindSeccomp {
		t.Fatalf("error %v with kind seccomp", err)
	}
	if err == nil && r.Kind == KindSeccomp {
		s := r.Seccomp
		if !s.ABI.Valid() {
			t.Fatalf("invalid ABI %q", s.ABI)
		}
		if name, nerr := s.ABI.Name(s.Nr); (nerr == nil) != (s.Name != "") || nerr == nil && name != s.Name {
			t.Fatalf("syscall %d on %s named %q", s.Nr, s.ABI, s.Name)
		}
	}
	var r2 Record
	err2 := r2.Parse(line)
	if (err == nil) != (err2 == nil) || r.Kind != r2.Kind || r.Serial != r2.Serial || r.Seccomp.Name != r2.Seccomp.Name {
		t.Fatal("Parse is not deterministic")
	}
}

func FuzzParseKernel(f *testing.F) {
	seedForms(f, FormConsole, FormKmsg, FormSyslog)
	f.Fuzz(checkParse)
}

func FuzzParseAuditd(f *testing.F) {
	seedForms(f, FormAuditd, FormAudispd)
	f.Fuzz(checkParse)
}

func FuzzParseInterpreted(f *testing.F) {
	seedForms(f, FormInterpreted)
	f.Fuzz(checkParse)
}

func FuzzParseJournal(f *testing.F) {
	seedForms(f, FormJournal, FormJournalJSON)
	f.Fuzz(checkParse)
}

func FuzzParseAppArmor(f *testing.F) {
	files, _ := filepath.Glob("testdata/apparmor-test_multi/*.in")
	for _, fn := range files {
		data, err := os.ReadFile(fn)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	more, _ := filepath.Glob("testdata/apparmor-embedded-events/*.log")
	for _, fn := range more {
		data, err := os.ReadFile(fn)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			f.Add([]byte(l))
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		checkParse(t, line)
		var r Record
		if r.Parse(line) == nil && r.Kind == KindAppArmor {
			rec := profile.NewRecording("profgen", "auditlog")
			addAppArmorTo(rec, &r.AppArmor)
			if err := rec.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzImport feeds whole inputs (several lines, any bytes) through the Importer.
func FuzzImport(f *testing.F) {
	lines := corpusLines(f)
	for i := 0; i+3 <= len(lines); i += 3 {
		f.Add([]byte(strings.Join(lines[i:i+3], "\n")))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		im := NewImporter(Options{Workers: 2})
		if err := im.Read("fuzz", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		want := uint64(bytes.Count(data, []byte{'\n'}))
		if len(data) > 0 && data[len(data)-1] != '\n' {
			want++
		}
		if im.Stats().Lines != want {
			t.Fatalf("%d lines counted, want %d", im.Stats().Lines, want)
		}
		if err := im.Recording().Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzSeccompRawAgrees: whenever the fast reader of raw seccomp records accepts a body, the
// general field scanner reads the same fields from it.
func FuzzSeccompRawAgrees(f *testing.F) {
	f.Add([]byte(rawBody))
	f.Add([]byte(rawBody + "\x1dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=x86_64 SYSCALL=brk"))
	f.Add([]byte(`auid=1000 uid=1000 gid=1000 ses=2 subj=snap.x.y (complain) pid=1 comm=636F6D6D2031 exe="/a b" sig=0 arch=40000003 syscall=-1 compat=1 ip=0xf7 code=0x50000`))
	f.Add([]byte(`auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=40001 comm="myapp" exe=(null) sig=31 arch=c000003e syscall=59 compat=0 ip=0x7f0000000001 code=0x7ffc0000  `))
	f.Fuzz(func(t *testing.T, body []byte) {
		var fast, general Record
		fast.scratch = make([]byte, 0, len(body)+len(body)/2)
		general.scratch = make([]byte, 0, len(body)+len(body)/2)
		if !fast.parseSeccompRaw(body) {
			return
		}
		ferr, gerr := fast.nameSyscall(), general.parseSeccompFields(body)
		if (ferr == nil) != (gerr == nil) {
			t.Fatalf("%q: fast reader: %v, general scanner: %v", body, ferr, gerr)
		}
		if ferr != nil {
			return
		}
		a, b := fast.Seccomp, general.Seccomp
		if !bytes.Equal(a.Comm, b.Comm) || !bytes.Equal(a.Exe, b.Exe) {
			t.Fatalf("%q: comm/exe %q %q, general %q %q", body, a.Comm, a.Exe, b.Comm, b.Exe)
		}
		a.Comm, a.Exe, b.Comm, b.Exe = nil, nil, nil, nil
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%q:\nfast    %+v\ngeneral %+v", body, a, b)
		}
	})
}

// FuzzRawStampAgrees: whenever the one-pass reader of raw stamps accepts one, the general
// stamp reader gives the same time, serial and body.
func FuzzRawStampAgrees(f *testing.F) {
	for _, s := range []string{"1795677319.286:3): x", "1.5:0) : y", "0.000000001:18446744073709551615):", "12.1234567890:1)", "99999999999999999999.1:2)"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		var fast, general Record
		body, ok := fast.parseRawStamp(s)
		if !ok {
			return
		}
		gbody, err := general.parseStampFields(s)
		if err != nil {
			t.Fatalf("%q: fast reader accepted it, general: %v", s, err)
		}
		if !bytes.Equal(body, gbody) || !fast.Time.Equal(general.Time) || fast.Serial != general.Serial || fast.HasStamp != general.HasStamp {
			t.Fatalf("%q: fast %v %d %q, general %v %d %q", s, fast.Time, fast.Serial, body, general.Time, general.Serial, gbody)
		}
	})
}
