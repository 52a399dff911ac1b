//go:build linux

package ptrace

import (
	"os"
	"strconv"
	"strings"
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
	one    unix.CPUSet    // the shared CPU
	orig   unix.CPUSet    // the tracer's CPU set at the start
	waits  map[int]uint64 // run-queue wait (ns) per task at the last look
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
	cpu, err := getcpu()
	if err != nil {
		return -1
	}
	return cpu
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
		var a adaptive
		for {
			select {
			case <-c.quit:
				return
			case <-tk.C:
			}
			n := c.stops.Load()
			rate := float64(n-last) / AdaptiveWindow.Seconds()
			last = n
			pinned := c.isPinned()
			waiting := -1.0
			if pinned {
				waiting = c.waiting()
			}
			if pin := a.next(rate, pinned, waiting); pin != pinned {
				c.setPinned(pin)
			}
		}
	}()
}

// Probing of CPUAdaptive while stops are frequent: the other placement is tried for one
// window after probeFirst windows, then after an interval that doubles (up to probeMax) each
// time the try does not raise the stop rate by probeGain. While pinned, windows count only
// when the tasks waited for the shared CPU for more than probeWaiting of the window in all
// (runnable but not running: work that another CPU could do); a syscall-bound workload
// mostly waits for the tracer instead, and pays nothing for tries that could not help it.
const (
	probeFirst   = 2
	probeMax     = 64
	probeGain    = 1.10
	probeWaiting = 0.75
)

// adaptive is CPUAdaptive's decision, separate from its effects so that it can be tested.
// While stops are rare the workload keeps its CPUs. While they are frequent, sharing one CPU
// is tried first (it makes each stop cheap), and the other placement is probed now and then:
// the stop rate measures progress in both, and a workload that computes in parallel between
// frequent syscalls makes more of them unpinned.
type adaptive struct {
	frequent bool    // stops are frequent
	probing  bool    // the last window ran the other placement as a try
	before   float64 // the stop rate of the window before the try
	wait     int     // windows until the next try
	interval int     // windows between tries
}

// next returns whether the tracer and workload should share one CPU for the next window,
// given the stop rate of the window just ended, whether it ran pinned, and how long the tasks
// waited for a CPU in it per second (negative: unknown).
func (a *adaptive) next(rate float64, pinned bool, waiting float64) bool {
	switch {
	case !a.frequent && rate > PinAbove:
		*a = adaptive{frequent: true, wait: probeFirst, interval: probeFirst}
		return true
	case !a.frequent:
		return false
	case rate < UnpinBelow:
		*a = adaptive{}
		return false
	case a.probing:
		a.probing = false
		if rate > a.before*probeGain {
			a.interval = probeFirst // the try is better: keep it
			a.wait = a.interval
			return pinned
		}
		a.interval = min(2*a.interval, probeMax)
		a.wait = a.interval
		return !pinned // back to what it was
	}
	if pinned && waiting >= 0 && waiting < probeWaiting {
		return true // nothing waits for the shared CPU: spreading cannot help
	}
	a.wait--
	if a.wait > 0 {
		return pinned
	}
	a.probing = true
	a.before = rate
	return !pinned
}

// waiting returns how long, in all, the traced tasks waited for a CPU (runnable but not
// running) per second of the last window, from /proc/TID/schedstat; -1 if unknown.
func (c *cpuPlacer) waiting() float64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.waits == nil {
		c.waits = map[int]uint64{}
	}
	var sum uint64
	known := false
	for tid := range c.tasks {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/schedstat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) < 2 {
			continue
		}
		w, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			continue
		}
		known = true
		if prev, ok := c.waits[tid]; ok && w >= prev {
			sum += w - prev
		}
		c.waits[tid] = w
	}
	for tid := range c.waits {
		if !c.tasks[tid] {
			delete(c.waits, tid)
		}
	}
	if !known {
		return -1
	}
	return float64(sum) / float64(AdaptiveWindow.Nanoseconds())
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
