//go:build linux

package ptrace

import (
	"runtime"
	"sort"
	"sync"
	"syscall"

	"github.com/profgen/profgen/internal/jobcontrol"
)

// signalTree sends sig to every traced process left: first the leaders of the traced trees
// (processes whose parent is not traced: the root while it lives, daemons re-parented to
// profgen), then the others. The root gone, signals still reach what it left behind.
func (t *tracer) signalTree(sig syscall.Signal) {
	t.liveMu.Lock()
	procs := map[int]bool{}
	for tid := range t.live {
		procs[tgidOf(tid)] = true
	}
	t.liveMu.Unlock()
	var leaders, others []int
	for pid := range procs {
		if procs[jobcontrol.Parent(pid)] {
			others = append(others, pid)
		} else {
			leaders = append(leaders, pid)
		}
	}
	sort.Ints(leaders)
	sort.Ints(others)
	for _, pid := range append(leaders, others...) {
		_ = syscall.Kill(pid, sig)
	}
}

// reservedThreads is how many OS threads profgen makes before the workload starts.
const reservedThreads = 12

// reserveThreads makes the Go runtime start n OS threads now and keep them idle, so that a
// workload that exhausts the user's processes (RLIMIT_NPROC counts threads; a fork bomb)
// cannot starve the tracer of the threads its runtime needs later (a failed pthread_create
// is fatal to a Go program).
func reserveThreads(n int) {
	var ready, release sync.WaitGroup
	ready.Add(n)
	release.Add(1)
	for range n {
		go func() {
			// Each goroutine holds its own thread until all exist; unlocked before it
			// returns, the thread goes back to the runtime's idle pool (not destroyed).
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			ready.Done()
			release.Wait()
		}()
	}
	ready.Wait()
	release.Done()
}
