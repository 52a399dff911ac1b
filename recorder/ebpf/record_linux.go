//go:build linux && amd64

package ebpf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/profgen/profgen/internal/jobcontrol"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder"
)

// pollInterval is how often the recorder checks whether the processes it records are gone.
const pollInterval = 10 * time.Millisecond

func record(ctx context.Context, opts Options) (*Result, error) {
	sc, err := recordScope(&opts)
	if err != nil {
		return nil, err
	}
	p, loadTime, err := loadTimed(sc)
	if err != nil {
		return nil, err
	}
	defer p.Close()

	res := &Result{LoadTime: loadTime}
	// The capability checks' callers are named at the end, by the naming program, or from
	// /proc/kallsyms, read meanwhile, if the kernel did not load it.
	var namer addressNamer
	switch {
	case p.namer != nil:
		namer = programNamer{p.namer}
	case p.capProg != nil:
		namer = readKallsymsText()
	}
	rec := opts.Recording
	if rec == nil {
		rec = profile.NewRecording("profgen", "ebpf")
	}
	var procs procCache
	agg := recorder.NewAggregator(rec)
	agg.ProcessInfo = procs.info
	var paths *pathReader
	if opts.Files {
		if paths, err = p.startPaths(agg); err != nil {
			return nil, err
		}
		defer func() {
			if paths != nil {
				paths.stop()
			}
		}()
	}
	if opts.Ready != nil && opts.PID == 0 {
		opts.Ready() // with PID, attach calls it once the process is registered
	}
	inflight, err := p.wait(ctx, opts, res, &procs)
	if err != nil {
		return nil, err
	}
	// Detach before reading, so the counts no longer move.
	for i := len(p.links) - 1; i >= 0; i-- {
		p.links[i].Close()
	}
	p.links = nil
	if paths != nil {
		perr := paths.stop()
		paths = nil
		if perr != nil {
			return nil, perr
		}
	}
	if err := p.finish(agg, namer, inflight, res); err != nil {
		return nil, err
	}
	return res, nil
}

// recordScope checks that opts name one target and says what the programs record for it. A
// thread's id given as opts.PID becomes its process's.
func recordScope(opts *Options) (scope, error) {
	modes := 0
	for _, set := range []bool{len(opts.Args) > 0, opts.PID != 0, opts.Cgroup != ""} {
		if set {
			modes++
		}
	}
	if modes != 1 {
		return scope{}, errors.New("record: give exactly one of a command, a process id or a cgroup")
	}
	if opts.PID != 0 {
		// A thread's id (from top -H, or /proc/PID/task) names its process, as for ptrace's
		// attach: the programs key on the process (tgid), which a thread id never matches.
		opts.PID = threadGroupOf(opts.PID)
	}
	var sc scope
	if opts.Cgroup != "" {
		var err error
		if sc, err = cgroupScope(opts.Cgroup); err != nil {
			return scope{}, err
		}
		sc.fromExec = opts.FromExec
	}
	sc.paths = opts.Files
	return sc, nil
}

// wait records until the target is done (a cgroup emptied, an attached process tree or the
// command's tree exited, ctx done or a signal). It returns the calls that the processes
// already running were inside of when the recording started (see inFlight); with FromExec
// the running process is the runtime's, not the workload, and none are returned.
func (p *programs) wait(ctx context.Context, opts Options, res *Result, procs *procCache) ([]recorder.Event, error) {
	var inflight []recorder.Event
	var err error
	switch {
	case opts.Cgroup != "":
		res.Detached = true
		if !opts.FromExec {
			inflight = inFlight(cgroupProcs(opts.Cgroup))
		}
		err = waitCgroup(ctx, opts)
	case opts.PID != 0:
		res.Detached = true
		procs.add(opts.PID)
		if !opts.FromExec {
			inflight = inFlight([]int{opts.PID})
		}
		err = p.attach(ctx, opts)
	default:
		err = p.run(ctx, opts, res, procs)
	}
	return inflight, err
}

// finish reads the counts and the capability checks (the programs detached) into agg and
// res, with the calls in flight at the start, and the losses.
func (p *programs) finish(agg *recorder.Aggregator, namer addressNamer, inflight []recorder.Event, res *Result) error {
	rec := agg.Recording()
	total, lost, err := p.collect(agg)
	if err != nil {
		return err
	}
	for _, ev := range inflight {
		agg.Syscalls(ev, 1)
		total++
	}
	unknown, err := p.collectCaps(rec, namer)
	if err != nil {
		return err
	}
	if unknown > 0 {
		lost["ebpf_capability_caller"] += unknown
	}
	agg.Finish()
	res.Recording, res.Syscalls, res.Lost = rec, total, lost
	for name, n := range lost {
		if rec.Source.Dropped == nil {
			rec.Source.Dropped = map[string]uint64{}
		}
		rec.Source.Dropped[name] += n
	}
	if len(lost) > 0 {
		rec.Source.Warnings = append(rec.Source.Warnings, "the eBPF recorder lost events (see dropped): the recording may be incomplete")
	}
	return nil
}

// run starts the command stopped in all but name: the process is forked by a thread the
// program knows (the spawner), which marks it pending, and counts its syscalls from its
// execve on. Its children are followed; the recording ends once they have all exited.
func (p *programs) run(ctx context.Context, opts Options, res *Result, procs *procCache) error {
	path, err := exec.LookPath(opts.Args[0])
	if err != nil {
		return fmt.Errorf("find %s: %w", opts.Args[0], err)
	}
	cmd := &exec.Cmd{Path: path, Args: opts.Args, Env: opts.Env, Dir: opts.Dir}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio(opts.Stdin, os.Stdin), stdio(opts.Stdout, os.Stdout), stdio(opts.Stderr, os.Stderr)
	// If profgen dies, so does the workload (as under the ptrace recorder). A process group
	// of its own: what the workload signals to its group (kill -9 0) does not reach profgen.
	// The terminal, when profgen has its foreground, goes to that group before the workload
	// runs: the child takes it itself. (A SIGCONT sent after the start, to undo a SIGTTIN,
	// would also undo a stop the workload made itself in the meantime: kill -STOP $$ ran on.)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	tty := jobcontrol.None()
	if in, ok := cmd.Stdin.(*os.File); ok {
		tty = jobcontrol.Foreground(in)
	}
	tty.Child(cmd.SysProcAttr)
	if err := p.spawn(cmd, &tty); err != nil {
		return err
	}
	tty.Given(cmd.Process.Pid)
	defer tty.TakeBack()
	res.PID = cmd.Process.Pid
	procs.set(cmd.Process.Pid, profile.Process{PID: cmd.Process.Pid, Comm: truncComm(filepath.Base(path)), Exe: path})

	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	grace := opts.Grace
	if grace == 0 {
		grace = 5 * time.Second
	}
	var kill <-chan time.Time
	done := ctx.Done()
	rootExited := false
	// While the command runs, nothing is polled: its exit ends the wait. A process that wakes
	// every few milliseconds slows the workload beside it (the eBPF benchmark's heavy5 took
	// 3-4% longer beside a program doing nothing but a 10 ms ticker, on this project's 2-CPU
	// machines). Only a terminal's stops are looked for meanwhile, and the rest of the
	// process tree once the command has exited.
	var poll pollTicker
	defer poll.stop()
	if tty.Held() {
		poll.start()
	}
	for {
		select {
		case err := <-waited:
			rootExited = true
			waited = nil
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				return fmt.Errorf("wait for %s: %w", path, err)
			}
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			res.Exited = true
			res.ExitCode = ws.ExitStatus()
			if ws.Signaled() {
				res.Signal = int(ws.Signal())
				res.ExitCode = 0
			}
			if !p.anyTraced() {
				return nil // the usual end: the tree ended with the command
			}
			poll.start() // the command left processes running: wait for them too
		case s := <-opts.Signals:
			// To every traced process left, leaders first: a daemonised workload's first
			// process is gone, its daemon is not.
			if sig, ok := s.(syscall.Signal); ok {
				p.signalTraced(unix.Signal(sig))
			}
		case <-done:
			done = nil
			p.signalTraced(unix.SIGTERM)
			kill = time.After(grace)
		case <-kill:
			p.signalTraced(unix.SIGKILL)
			if rootExited {
				return nil
			}
		case <-poll.c:
			if rootExited && !p.anyTraced() {
				return nil
			}
			// Reading /proc/PID/stat every tick costs milliseconds of CPU a second: only with
			// a terminal is there a stop to look for.
			if !rootExited && tty.Held() && jobcontrol.Stopped(cmd.Process.Pid) {
				tty.JobStopped(cmd.Process.Pid, 0) // ^Z: profgen stops with its job
			}
		}
	}
}

// pollTicker ticks once started (every pollInterval, or as set); its channel is nil (never
// ready) before.
type pollTicker struct {
	t *time.Ticker
	c <-chan time.Time
}

func (p *pollTicker) start() { p.every(pollInterval) }

// every starts the ticker with period d.
func (p *pollTicker) every(d time.Duration) {
	if p.t == nil {
		p.t = time.NewTicker(d)
		p.c = p.t.C
	}
}

func (p *pollTicker) stop() {
	if p.t != nil {
		p.t.Stop()
	}
}

// spawn starts cmd from a thread whose id the program holds as the spawner, so the child is
// traced from its first instruction, pending until its execve. cmd.Start waits for the exec:
// a ^Z that reaches the child first stops it before the exec, and meanwhile tty is handed
// the stop (watchStart), or profgen would wait for an exec that never comes.
func (p *programs) spawn(cmd *exec.Cmd, tty *jobcontrol.Terminal) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cfg := recorderConfig{SpawnerTid: uint32(unix.Gettid())}
	if err := p.objs.Config.Put(uint32(0), cfg); err != nil {
		return fmt.Errorf("tell the program the spawner thread: %w", err)
	}
	started, watched := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(watched)
		p.watchStart(started, tty)
	}()
	err := cmd.Start()
	close(started)
	<-watched
	// No other child is ours: clear the spawner whatever happened.
	if perr := p.objs.Config.Put(uint32(0), recorderConfig{}); perr != nil && err == nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("clear the spawner thread: %w", perr)
	}
	if err != nil {
		return fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	return nil
}

// watchStart looks, until started is closed, for the child being spawned (the pending
// process) stopped before its exec, and hands the stop to tty.
func (p *programs) watchStart(started <-chan struct{}, tty *jobcontrol.Terminal) {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-started:
			return
		case <-tick.C:
		}
		var tgid, state uint32
		it := p.objs.Traced.Iterate()
		for it.Next(&tgid, &state) {
			if state == pending && jobcontrol.Stopped(int(tgid)) {
				tty.StoppedBeforeExec(int(tgid))
			}
		}
	}
}

// attach records the running process opts.PID and the children it forks from now on, until
// they have all exited, a signal arrives or ctx is done.
func (p *programs) attach(ctx context.Context, opts Options) error {
	if err := unix.Kill(opts.PID, 0); err != nil {
		return fmt.Errorf("find process %d: %w", opts.PID, err)
	}
	state := uint32(traced)
	if opts.FromExec {
		state = pending // the sys_enter program counts only its execve until the exec
	}
	if err := p.setTraced(uint32(opts.PID), state); err != nil {
		return fmt.Errorf("add process %d to the traced processes: %w", opts.PID, err)
	}
	// As for a command: nothing is polled until the process exits (or for the rest of the
	// tree after that), unless its exit cannot be watched.
	var poll pollTicker
	defer poll.stop()
	var exited <-chan struct{}
	if w, err := watchExit(opts.PID); err == nil {
		defer w.stop()
		exited = w.C
	} else {
		poll.start()
	}
	if opts.Ready != nil {
		opts.Ready()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-opts.Signals:
			return nil
		case <-exited:
			exited = nil
			if !p.anyTraced() {
				return nil
			}
			poll.start()
		case <-poll.c:
			if !p.anyTraced() {
				return nil
			}
		}
	}
}

// anyTraced says whether a traced process is still alive; entries of processes that are gone
// (which the exit program removes itself) are dropped.
func (p *programs) anyTraced() bool {
	var tgid uint32
	var dead []uint32
	alive := false
	it := p.objs.Traced.Iterate()
	var state uint32
	for it.Next(&tgid, &state) {
		if unix.Kill(int(tgid), 0) == unix.ESRCH {
			dead = append(dead, tgid)
			continue
		}
		alive = true
		break
	}
	for _, t := range dead {
		p.untrace(t)
	}
	return alive
}

// setTraced sets the state of a thread group in the traced map and its array twin
// (traced_pids, which has no slot for a tgid at or beyond its size).
func (p *programs) setTraced(tgid, state uint32) error {
	if tgid < p.objs.TracedPids.MaxEntries() {
		if err := p.objs.TracedPids.Put(tgid, state); err != nil {
			return err
		}
	}
	return p.objs.Traced.Put(tgid, state)
}

// untrace forgets a thread group.
func (p *programs) untrace(tgid uint32) {
	if tgid < p.objs.TracedPids.MaxEntries() {
		p.objs.TracedPids.Put(tgid, uint32(0))
	}
	p.objs.Traced.Delete(tgid)
}

// signalTraced sends sig to every traced process.
// The leaders of the traced trees (whose parent is not traced) get it first.
func (p *programs) signalTraced(sig unix.Signal) {
	var tgid, state uint32
	traced := map[int]bool{}
	it := p.objs.Traced.Iterate()
	for it.Next(&tgid, &state) {
		traced[int(tgid)] = true
	}
	var leaders, others []int
	for pid := range traced {
		if traced[jobcontrol.Parent(pid)] {
			others = append(others, pid)
		} else {
			leaders = append(leaders, pid)
		}
	}
	sort.Ints(leaders)
	sort.Ints(others)
	for _, pid := range append(leaders, others...) {
		unix.Kill(pid, sig)
	}
}

// waitCgroup waits until ctx is done, a signal arrives or the cgroup has no process left (or
// is gone). The root cgroup has no cgroup.events and never empties: it is recorded until ctx
// is done or a signal arrives. Nothing is polled: the kernel notifies a change of
// cgroup.events to an inotify watch (polled every 100 ms if the watch cannot be made).
func waitCgroup(ctx context.Context, opts Options) error {
	var poll pollTicker
	defer poll.stop()
	var changed <-chan struct{}
	w, err := watchCgroup(opts.Cgroup)
	switch {
	case err == nil:
		defer w.stop()
		changed = w.changed()
	case !errors.Is(err, os.ErrNotExist):
		poll.every(10 * pollInterval)
	}
	for {
		if cgroupEnded(opts.Cgroup) {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-opts.Signals:
			return nil
		case <-changed:
			if err := w.rearm(); err != nil {
				return err
			}
			changed = w.changed()
		case <-poll.c:
		}
	}
}

// cgroupScope returns the id and level of the cgroup v2 directory dir.
func cgroupScope(dir string) (scope, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return scope{}, fmt.Errorf("look at cgroup %s: %w", dir, err)
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return scope{}, fmt.Errorf("read the mount table: %w", err)
	}
	root, rootErr := ParseMountinfoCgroup2(mounts)
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		where := "this host has no cgroup2 mount"
		if rootErr == nil {
			// A hybrid host's v1 directory (/sys/fs/cgroup/memory/...): name the v2 one.
			where = "the cgroup v2 hierarchy is mounted at " + root
		}
		return scope{}, fmt.Errorf("cgroup %s: %w (not on a cgroup2 file system; %s)", dir, ErrNoUnifiedCgroup, where)
	}
	if rootErr != nil {
		return scope{}, rootErr
	}
	var fi unix.Stat_t
	if err := unix.Stat(dir, &fi); err != nil {
		return scope{}, fmt.Errorf("look at cgroup %s: %w", dir, err)
	}
	if fi.Mode&unix.S_IFMT != unix.S_IFDIR {
		// cgroup.procs or another file of the cgroup: its id is no cgroup's.
		return scope{}, fmt.Errorf("cgroup %s: not a directory (a cgroup is the directory that holds cgroup.procs)", dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return scope{}, fmt.Errorf("cgroup %s: %w", dir, err)
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return scope{}, fmt.Errorf("cgroup %s is not under the cgroup2 mount %s", dir, root)
	}
	level := uint32(0)
	if rel != "." {
		level = uint32(len(strings.Split(rel, "/")))
	}
	// On cgroup2 the directory's inode number is the cgroup id bpf_get_current_cgroup_id gives.
	return scope{cgroupID: fi.Ino, cgroupLevel: level}, nil
}

// procCache describes processes: those the recorder knows from the start, others from /proc.
type procCache struct {
	mu    sync.Mutex // the paths reader asks while the command starts
	known map[int]profile.Process
}

func (c *procCache) set(pid int, p profile.Process) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.known == nil {
		c.known = map[int]profile.Process{}
	}
	c.known[pid] = p
}

func (c *procCache) add(pid int) { c.set(pid, recorder.ProcProcess(pid)) }

// info describes pid, reading /proc once per process: with paths, a process that opens a
// thousand new files is asked about a thousand times.
func (c *procCache) info(pid int) profile.Process {
	c.mu.Lock()
	p, ok := c.known[pid]
	c.mu.Unlock()
	if ok {
		return p
	}
	p = recorder.ProcProcess(pid)
	c.set(pid, p)
	return p
}

func stdio(f, def *os.File) *os.File {
	if f != nil {
		return f
	}
	return def
}

// truncComm shortens name as the kernel does for a task's comm (15 bytes).
func truncComm(name string) string {
	if len(name) > 15 {
		return name[:15]
	}
	return name
}
