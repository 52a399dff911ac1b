package ptrace

import (
	"fmt"
	"os"
	"testing"
)

// TestMain lets the test binary serve as the tracee helper, as profgen itself does.
func TestMain(m *testing.M) {
	if os.Getenv(HelperEnv) != "" {
		// The helper must have run (and exec'd) in the package's init already.
		fmt.Println("helper reached TestMain")
		os.Exit(3)
	}
	RunHelperIfRequested()
	os.Exit(m.Run())
}
