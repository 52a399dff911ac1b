package ebpf

import (
	"errors"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
)

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
