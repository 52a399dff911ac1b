package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// kernelLogLock is the lock file of LockKernelLog; go test runs packages in parallel, and
// this lock is shared by all of them.
var kernelLogLock = filepath.Join(os.TempDir(), "profgen-test-kernel-log.lock")

// LockKernelLog serialises the tests that read the kernel's audit records (/dev/kmsg, dmesg,
// audit.log) or change what reaches them (auditd, auditctl, printk_ratelimit): one such test
// would take another's records away or change its rate limit. It blocks until no other test
// process holds the lock, and releases it when the test ends.
func LockKernelLog(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(kernelLogLock, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		t.Fatalf("open %s: %v", kernelLogLock, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		t.Fatalf("lock %s: %v", kernelLogLock, err)
	}
	t.Cleanup(func() { f.Close() }) // closing the file releases the lock
}
