//go:build linux

package profile

import (
	"bytes"
	"io"
	"os"
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
	t.Cleanup(func() { f.Close() })
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		t.Fatalf("seek %s: %v", dest.LogFile, err)
	}
	t.Logf("an audit daemon (pid %d) runs: reading the records from %s", dest.PID, dest.LogFile)
	return &fileTail{f: f}
}

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
