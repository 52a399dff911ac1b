package testutil

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// kernelLogLock is the lock file of LockKernelLog; go test runs packages in parallel, and
// this lock is shared by all of them.
var kernelLogLock = filepath.Join(os.TempDir(), "profgen-test-kernel-log.lock")

// held is this process's hold on the lock: flock is per open file, so a second
// LockKernelLog in the same process (a subtest under a test that holds it) would wait for
// itself forever; it counts instead.
var held struct {
	sync.Mutex
	n int
	f *os.File
}

// LockKernelLog serialises the tests that read the kernel's audit records (/dev/kmsg, dmesg,
// audit.log) or change what reaches them (auditd, auditctl, printk_ratelimit): one such test
// would take another's records away or change its rate limit. It blocks until no other test
// process holds the lock, and releases it when the test ends. Calls nest within a process:
// a subtest of a test that holds the lock goes on at once.
func LockKernelLog(t testing.TB) {
	t.Helper()
	held.Lock()
	defer held.Unlock()
	if held.n == 0 {
		f, err := os.OpenFile(kernelLogLock, os.O_RDWR|os.O_CREATE, 0o666)
		if err != nil {
			t.Fatalf("open %s: %v", kernelLogLock, err)
		}
		if err := lockFile(f); err != nil {
			f.Close()
			t.Fatalf("lock %s: %v", kernelLogLock, err)
		}
		held.f = f
	}
	held.n++
	t.Cleanup(func() {
		held.Lock()
		defer held.Unlock()
		if held.n--; held.n == 0 {
			held.f.Close() // closing the file releases the lock
			held.f = nil
		}
	})
}
