package ptrace

import (
	"fmt"
	"os"
	"testing"
)

// TestMain: the test binary serves as the tracee helper from the package's init, which never
// returns then (TestHelperRunsInInit); reaching TestMain as the helper is a failure.
func TestMain(m *testing.M) {
	if os.Getenv(HelperEnv) != "" {
		// The helper must have run (and exec'd) in the package's init already.
		fmt.Println("helper reached TestMain")
		os.Exit(3)
	}
	os.Exit(m.Run())
}
