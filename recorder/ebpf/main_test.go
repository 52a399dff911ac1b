package ebpf

import (
	"errors"
	"os"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/recorder/ptrace"
)

// TestMain lets the test binary serve as the ptrace recorder's helper, for the parity tests.
func TestMain(m *testing.M) {
	ptrace.RunHelperIfRequested()
	os.Exit(m.Run())
}

// requireBPF skips the test unless the recorder's programs load here.
func requireBPF(t testing.TB) {
	t.Helper()
	testutil.RequireRoot(t)
	if err := Available(); err != nil {
		if errors.Is(err, ErrUnavailable) {
			t.Skipf("eBPF recorder cannot load: %v", err)
		}
		t.Fatal(err)
	}
}
