//go:build linux && amd64

package ebpf

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
)

// TestRecordCapabilities records a root workload that binds port 80 and sets the clock (to the
// time it reads): capabilities must be exactly net_bind_service and sys_time; the checks the
// kernel makes only to probe (CAP_SYS_ADMIN on every mapping) are left out.
func TestRecordCapabilities(t *testing.T) {
	requireBPF(t)
	py := testutil.Python(t)
	script := `import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 80))
s.close()
time.clock_settime(time.CLOCK_REALTIME, time.clock_gettime(time.CLOCK_REALTIME))
`
	res, err := Record(context.Background(), Options{Args: []string{py, "-c", script}, Stdout: testutil.DevNull(t)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status() != 0 {
		t.Skipf("the workload failed (port 80 in use?): status %d", res.Status())
	}
	rec := res.Recording
	if want := []string{"net_bind_service", "sys_time"}; !reflect.DeepEqual(rec.Capabilities, want) {
		t.Errorf("capabilities %v, want %v (warnings %v)", rec.Capabilities, want, rec.Source.Warnings)
	}
}

// TestRecordCapabilityDenied: a process that dropped to nobody fails to bind port 80; the
// denied check is reported apart, not as a capability, and the setuid it made as root is one.
func TestRecordCapabilityDenied(t *testing.T) {
	requireBPF(t)
	py := testutil.Python(t)
	script := `import os, socket
os.setgid(65534)
os.setuid(65534)
s = socket.socket()
try:
    s.bind(("127.0.0.1", 81))
except PermissionError:
    pass
`
	res, err := Record(context.Background(), Options{Args: []string{py, "-c", script}, Stdout: testutil.DevNull(t), Dir: filepath.Dir(os.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Recording
	if want := []string{"setgid", "setuid"}; !reflect.DeepEqual(rec.Capabilities, want) {
		t.Errorf("capabilities %v, want %v (warnings %v)", rec.Capabilities, want, rec.Source.Warnings)
	}
	found := false
	for _, w := range rec.Source.Warnings {
		found = found || strings.Contains(w, "denied") && strings.Contains(w, "net_bind_service")
	}
	if !found {
		t.Errorf("the denied net_bind_service check is not reported: %v", rec.Source.Warnings)
	}
}

// TestRecordCapabilitiesReadNotUnwound: after a few unwound checks, the capability program
// reads the callers of the memory accounting's checks (one per mmap and brk) from their stack
// words instead of unwinding the stack each time; the capabilities come out the same
// (TestRecordCapabilities).
func TestRecordCapabilitiesReadNotUnwound(t *testing.T) {
	requireBPF(t)
	var unwound, read uint64
	capChecksRead = func(u, r uint64) { unwound, read = u, r }
	defer func() { capChecksRead = nil }()
	// Each ls maps its libraries: a few dozen checks each.
	res, err := Record(context.Background(), Options{Args: []string{"/bin/sh", "-c", "for i in 1 2 3 4 5 6 7 8; do ls / > /dev/null; done"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Lost) != 0 || len(res.Recording.Capabilities) != 0 {
		t.Errorf("losses %v, capabilities %v; want none", res.Lost, res.Recording.Capabilities)
	}
	if read == 0 || unwound > read/4 {
		t.Errorf("%d checks unwound, %d read from the stack: want most read", unwound, read)
	}
	t.Logf("%d checks unwound, %d read from the stack", unwound, read)
}
