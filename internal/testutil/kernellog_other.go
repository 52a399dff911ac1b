//go:build !unix

package testutil

import "os"

// lockFile does nothing: there is no kernel audit log to share where flock is missing, and
// the tests that read one skip there.
func lockFile(*os.File) error { return nil }
