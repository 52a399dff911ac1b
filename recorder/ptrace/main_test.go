package ptrace

import (
	"os"
	"testing"
)

// TestMain lets the test binary serve as the tracee helper, as profgen itself does.
func TestMain(m *testing.M) {
	RunHelperIfRequested()
	os.Exit(m.Run())
}
