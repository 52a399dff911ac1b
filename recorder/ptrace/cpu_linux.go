//go:build linux

package ptrace

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// cpuPlacer applies a CPUPolicy. The tracer thread counts stops (tick) and reports new and
// gone tasks; with CPUAdaptive a goroutine looks at the stop rate every AdaptiveWindow and
// moves the tracer thread and every task between one shared CPU and their original CPU set.
// sched_setaffinity is not a ptrace request, so it may be called from any thread.
type cpuPlacer struct {
	policy CPUPolicy
	tracer int // the tracer thread's id
	stops  atomic.Uint64

	mu     sync.Mutex
	tasks  map[int]bool
	pinned bool
	one    unix.CPUSet // the shared CPU
	orig   unix.CPUSet // the tracer's CPU set at the start
	quit   chan struct{}
	done   sync.WaitGroup
}

func newCPUPlacer(policy CPUPolicy, tracerTid int) *cpuPlacer {
	c := &cpuPlacer{policy: policy, tracer: tracerTid, tasks: map[int]bool{}, quit: make(chan struct{})}
	if policy == CPUNone {
		return c
	}
	if err := unix.SchedGetaffinity(tracerTid, &c.orig); err != nil || c.orig.Count() < 2 {
		c.policy = CPUNone // nothing to choose between
		return c
	}
	cpu := currentCPU()
	if cpu < 0 || !c.orig.IsSet(cpu) {
		for i := 0; i < 1024; i++ {
			if c.orig.IsSet(i) {
				cpu = i
				break
			}
		}
	}
	c.one.Set(cpu)
	if policy == CPUPin {
		c.setPinned(true)
	}
	return c
}

// currentCPU returns the CPU the calling thread runs on, or -1.
func currentCPU() int {
	var cpu, node uint32
	if _, _, e := unix.RawSyscall(unix.SYS_GETCPU, uintptrOf(&cpu), uintptrOf(&node), 0); e != 0 {
		return -1
	}
	return int(cpu)
}

// start begins adaptive placement.
func (c *cpuPlacer) start() {
	if c.policy != CPUAdaptive {
		return
	}
	c.done.Add(1)
	go func() {
		defer c.done.Done()
		tk := time.NewTicker(AdaptiveWindow)
		defer tk.Stop()
		last := c.stops.Load()
		window := AdaptiveWindow.Seconds()
		for {
			select {
			case <-c.quit:
				return
			case <-tk.C:
			}
			n := c.stops.Load()
			rate := float64(n-last) / window
			last = n
			switch {
			case !c.isPinned() && rate > PinAbove:
				c.setPinned(true)
			case c.isPinned() && rate < UnpinBelow:
				c.setPinned(false)
			}
		}
	}()
}

func (c *cpuPlacer) stop() {
	close(c.quit)
	c.done.Wait()
}

func (c *cpuPlacer) tick() { c.stops.Add(1) }

func (c *cpuPlacer) isPinned() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pinned
}

// setPinned moves the tracer and every task to the shared CPU, or back.
func (c *cpuPlacer) setPinned(pin bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pinned = pin
	set := c.mask()
	_ = unix.SchedSetaffinity(c.tracer, set)
	for tid := range c.tasks {
		_ = unix.SchedSetaffinity(tid, set)
	}
}

func (c *cpuPlacer) mask() *unix.CPUSet {
	if c.pinned {
		return &c.one
	}
	return &c.orig
}

// add places a new task like the others. A task inherits its parent's CPU set, which may be
// stale if the placement changed since the parent was placed.
func (c *cpuPlacer) add(tid int) {
	if c.policy == CPUNone {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tasks[tid] = true
	if c.policy == CPUAdaptive {
		_ = unix.SchedSetaffinity(tid, c.mask())
	}
}

func (c *cpuPlacer) remove(tid int) {
	if c.policy == CPUNone {
		return
	}
	c.mu.Lock()
	delete(c.tasks, tid)
	c.mu.Unlock()
}
