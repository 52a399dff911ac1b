package auditlog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/profgen/profgen/syscalls"
)

func seccompLine(serial int, comm string, arch string, nr int) string {
	return fmt.Sprintf("type=SECCOMP msg=audit(1795677319.%03d:%d): auid=0 uid=0 gid=0 ses=1 pid=%d comm=%q exe=\"/bin/%s\" sig=0 arch=%s syscall=%d compat=0 ip=0x1 code=0x7ffc0000\n", serial%1000, serial, 100+len(comm), comm, comm, arch, nr)
}

func syscallLine(serial int) string {
	return fmt.Sprintf("type=SYSCALL msg=audit(1795677319.%03d:%d): arch=c000003e syscall=59 success=yes exit=0 a0=1 items=2 ppid=1 pid=2 comm=\"x\" exe=\"/x\" key=(null)\n", serial%1000, serial)
}

func importString(t *testing.T, o Options, input string) *Importer {
	t.Helper()
	im := NewImporter(o)
	if err := im.Read("input", strings.NewReader(input)); err != nil {
		t.Fatal(err)
	}
	return im
}

func TestImportSyscalls(t *testing.T) {
	var b strings.Builder
	b.WriteString("type=DAEMON_START msg=audit(1795677319.000:9999): op=start ver=3.0.9 format=enriched pid=1 res=success\n")
	for i := 1; i <= 200; i++ {
		b.WriteString(syscallLine(2 * i))
		b.WriteString(seccompLine(2*i+1, "sh", "c000003e", i%5))
	}
	b.WriteString(seccompLine(1000, "old", "40000003", 265))
	b.WriteString(seccompLine(1001, "new", "c000003e", 999)) // no such syscall yet
	im := importString(t, Options{Summary: true}, b.String())
	rec := im.Recording()
	if got := rec.SyscallNames(syscalls.X86_64); !reflect.DeepEqual(got, []string{"999", "close", "open", "read", "stat", "write"}) {
		t.Errorf("x86_64 syscalls %v", got)
	}
	if got := rec.SyscallNames(syscalls.X86); !reflect.DeepEqual(got, []string{"clock_gettime"}) {
		t.Errorf("x86 syscalls %v", got)
	}
	if rec.Syscalls[syscalls.X86_64]["read"].Count != 40 || rec.Syscalls[syscalls.X86_64]["read"].First.Comm != "sh" {
		t.Errorf("read stat %+v", rec.Syscalls[syscalls.X86_64]["read"])
	}
	st := im.Stats()
	if st.Seccomp != 202 || st.Other != 201 || st.Bad != 0 || st.UnknownSyscalls != 1 {
		t.Errorf("stats %+v", st)
	}
	// serials 2..401 are all there, then 1000, 1001: one gap of 598
	if rec.Source.Dropped[LossSerialGap] != 598 {
		t.Errorf("dropped %v", rec.Source.Dropped)
	}
	// None of the three programs made a start-up call; /bin/sh, with 200 records, is named
	// as started before the input, the other two have too few records to tell.
	if w := rec.Source.Warnings; len(w) != 3 || !strings.Contains(w[0], "x86_64 999") ||
		!strings.HasPrefix(w[2], "started before the input begins (a rotated log?): /bin/sh (comm sh, 200 records): ") {
		t.Errorf("warnings %q", w)
	}
	sum := im.Summary()
	if len(sum) != 3 || sum[2].Exe != "/bin/sh" || sum[2].Syscalls[syscalls.X86_64]["write"] != 40 {
		t.Errorf("summary %+v", sum)
	}
}

// TestImportDeterministic checks that the result does not depend on the number of workers
// or on chunk boundaries.
func TestImportDeterministic(t *testing.T) {
	var b strings.Builder
	for i := 1; b.Len() < 3*chunkSize; i++ {
		b.WriteString(syscallLine(2 * i))
		b.WriteString(seccompLine(2*i+1, fmt.Sprintf("p%d", i%7), "c000003e", i%300))
	}
	var first []byte
	for _, w := range []int{1, 2, 5} {
		im := importString(t, Options{Workers: w}, b.String())
		var out bytes.Buffer
		if _, err := im.Recording().WriteTo(&out); err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = out.Bytes()
		} else if !bytes.Equal(first, out.Bytes()) {
			t.Fatalf("workers=%d gives a different recording", w)
		}
		if im.Stats().Bad != 0 || im.Recording().Source.Dropped != nil {
			t.Errorf("workers=%d: stats %+v dropped %v", w, im.Stats(), im.Recording().Source.Dropped)
		}
	}
}

func TestImportLossAndBadLines(t *testing.T) {
	input := "[  1.0] audit: type=1326 audit(1795677319.286:2): " + rawBody + "\n" +
		"[  2.0] kauditd_printk_skb: 428 callbacks suppressed\n" +
		"[  2.1] audit: type=1326 audit(1795677326.350:447): " + rawBody + "\n" +
		"type=SECCOMP msg=audit(1795677319.286:448): uid=0 gid=0 pid=1 arch=c000003e\n" +
		"type=SECCOMP msg=audit(1795677319.286:449): \x00\x00\x00\n" +
		strings.Repeat("x", MaxLineLength+10) + "\n" +
		"audit: audit_lost=7 audit_rate_limit=0 audit_backlog_limit=64\n"
	im := importString(t, Options{}, input)
	rec := im.Recording()
	want := map[string]uint64{LossCallbacksSuppressed: 428, LossAuditLost: 7, LossSerialGap: 444}
	if !reflect.DeepEqual(rec.Source.Dropped, want) {
		t.Errorf("dropped %v, want %v", rec.Source.Dropped, want)
	}
	for _, w := range rec.Source.Warnings {
		if !strings.Contains(w, "may be incomplete") || !strings.Contains(w, "auditctl -b") {
			t.Errorf("warning without advice: %q", w)
		}
	}
	bad := im.BadLines()
	if len(bad) != 3 || bad[0].Line != 4 || bad[1].Line != 5 || !errors.Is(bad[1], ErrBinary) || bad[2].Line != 6 {
		t.Errorf("bad lines %v", bad)
	}
	if im.Stats().Bad != 3 || im.Stats().Seccomp != 2 {
		t.Errorf("stats %+v", im.Stats())
	}
	// --strict
	err := NewImporter(Options{Strict: true}).Read("in.log", strings.NewReader(input))
	var bl BadLine
	if !errors.As(err, &bl) || bl.File != "in.log" || bl.Line != 4 {
		t.Errorf("strict: %v", err)
	}
}

func TestImportOverlongAcrossChunks(t *testing.T) {
	// a line longer than a chunk, with records before and after it
	input := seccompLine(1, "a", "c000003e", 0) + strings.Repeat("y", chunkSize+MaxLineLength+5) + "\n" + seccompLine(2, "b", "c000003e", 1)
	im := importString(t, Options{}, input)
	if st := im.Stats(); st.Seccomp != 2 || st.Bad != 1 {
		t.Errorf("stats %+v", st)
	}
	if b := im.BadLines(); len(b) != 1 || b[0].Line != 2 || !errors.Is(b[0], ErrTooLong) {
		t.Errorf("bad %v", b)
	}
}

func TestImportGzipAndFilters(t *testing.T) {
	var plain bytes.Buffer
	plain.WriteString(seccompLine(1, "a", "c000003e", 0))
	plain.WriteString(seccompLine(2, "b", "c000003e", 1))
	plain.WriteString(`audit: type=1400 audit(1795677319.003:3): apparmor="ALLOWED" operation="open" profile="p1" name="/etc/hosts" pid=5 comm="a" requested_mask="r" denied_mask="r" fsuid=0 ouid=0` + "\n")
	plain.WriteString(`audit: type=1400 audit(1795677319.004:4): apparmor="ALLOWED" operation="capable" profile="p1" pid=5 comm="a" capability=10 capname="net_bind_service"` + "\n")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(plain.Bytes())
	zw.Close()
	im := NewImporter(Options{Comm: []string{"a"}})
	if err := im.Read("x.gz", &gz); err != nil {
		t.Fatal(err)
	}
	rec := im.Recording()
	if got := rec.SyscallNames(syscalls.X86_64); !reflect.DeepEqual(got, []string{"read"}) {
		t.Errorf("syscalls %v", got)
	}
	if rec.Files["/etc/hosts"] == nil || rec.Files["/etc/hosts"].Access != "r" || !reflect.DeepEqual(rec.Capabilities, []string{"net_bind_service"}) {
		t.Errorf("apparmor: files %v caps %v", rec.Files, rec.Capabilities)
	}
	im = importString(t, Options{AppArmor: true}, plain.String())
	if st := im.Stats(); st.Seccomp != 0 || st.AppArmor != 2 || st.Filtered != 2 {
		t.Errorf("kind filter: %+v", st)
	}
}

func TestImportTimeAndPIDFilters(t *testing.T) {
	// seccompLine stamps serial s at 1795677319.s (ms), pid 100+len(comm)
	input := seccompLine(100, "a", "c000003e", 0) + seccompLine(500, "a", "c000003e", 1) + seccompLine(900, "bb", "c000003e", 2) +
		"Feb 08 08:42:52 audit[207]: SECCOMP auid=0 uid=0 gid=0 ses=1 pid=207 comm=\"j\" exe=\"/j\" sig=0 arch=c000003e syscall=3 compat=0 ip=0x1 code=0x0\n"
	base := time.Unix(1795677319, 0)
	im := importString(t, Options{Since: base.Add(200 * time.Millisecond), Until: base.Add(800 * time.Millisecond)}, input)
	if got := im.Recording().SyscallNames(syscalls.X86_64); !reflect.DeepEqual(got, []string{"close", "write"}) {
		t.Errorf("since/until kept %v", got)
	}
	if st := im.Stats(); st.Filtered != 2 || st.NoTime != 1 {
		t.Errorf("stats %+v", st)
	}
	im = importString(t, Options{PID: []uint64{102}}, input)
	if got := im.Recording().SyscallNames(syscalls.X86_64); !reflect.DeepEqual(got, []string{"open"}) {
		t.Errorf("--pid 102 kept %v", got)
	}
}
