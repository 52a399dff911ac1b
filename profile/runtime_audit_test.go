//go:build linux

package profile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
)

// recordTail returns the audit records logged since the last call.
type recordTail interface{ messages() []string }

// openRecordTail follows where the kernel's seccomp audit records go (testutil.AuditRecordDest):
// to a running audit daemon, which writes them to its log file, or else to the kernel log
// (/dev/kmsg). The tests that read them work either way. The caller holds the kernel-log
// lock, so no test starts or stops a daemon meanwhile.
func openRecordTail(t *testing.T) recordTail {
	t.Helper()
	dest := testutil.AuditRecordDest(t)
	if dest.PID == 0 {
		return openKmsgTail(t)
	}
	f, err := os.Open(dest.LogFile)
	if err != nil {
		t.Skipf("an audit daemon (pid %d) receives the seccomp records: %v", dest.PID, err)
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		t.Fatalf("seek %s: %v", dest.LogFile, err)
	}
	t.Logf("an audit daemon (pid %d) runs: reading the records from %s", dest.PID, dest.LogFile)
	ft := &fileTail{path: dest.LogFile, f: f}
	t.Cleanup(func() { ft.f.Close() })
	return ft
}

// fileTail reads the complete lines appended to a file, and follows it when it is rotated:
// the audit daemon renames its log and starts a new one (Debian's at 8 MB, which a busy log
// fills in seconds), and a test whose records went to the new file found none of them.
type fileTail struct {
	path    string
	f       *os.File
	partial []byte
}

func (ft *fileTail) messages() []string {
	b, _ := io.ReadAll(ft.f) // the rest of the file, rotated or not
	if cur, err := os.Stat(ft.path); err == nil {
		if open, err := ft.f.Stat(); err == nil && !os.SameFile(cur, open) {
			if nf, err := os.Open(ft.path); err == nil {
				ft.f.Close()
				ft.f = nf
				if rest := append(ft.partial, b...); len(rest) > 0 && rest[len(rest)-1] != '\n' {
					b = append(b, '\n') // the old file's last line ends with it
				}
				more, _ := io.ReadAll(nf)
				b = append(b, more...)
			}
		}
	}
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

// TestFileTailFollowsRotation: the lines written to a log after it was rotated (renamed, and
// a new file made at its path) are read, after the rest of the old file.
func TestFileTailFollowsRotation(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "audit.log")
	if err := os.WriteFile(log, []byte("before\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(log)
	if err != nil {
		t.Fatal(err)
	}
	f.Seek(0, io.SeekEnd)
	ft := &fileTail{path: log, f: f}
	defer func() { ft.f.Close() }()
	appendTo := func(path, text string) {
		w, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		w.WriteString(text)
		w.Close()
	}
	appendTo(log, "one\ntw")
	if got := ft.messages(); !reflect.DeepEqual(got, []string{"one"}) {
		t.Fatalf("before the rotation: %q, want [one]", got)
	}
	appendTo(log, "o\n")
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(log, "three\nfour\n")
	if got := ft.messages(); !reflect.DeepEqual(got, []string{"two", "three", "four"}) {
		t.Fatalf("after the rotation: %q, want [two three four]", got)
	}
	appendTo(log, "five\n")
	if got := ft.messages(); !reflect.DeepEqual(got, []string{"five"}) {
		t.Fatalf("later: %q, want [five]", got)
	}
}
