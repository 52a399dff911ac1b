//go:build linux

package ptrace

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/profgen/profgen/internal/jobcontrol"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder"
	"github.com/profgen/profgen/syscalls"
)

// ptraceEventStop is PTRACE_EVENT_STOP (group-stops and PTRACE_INTERRUPT stops of seized
// tracees).
const ptraceEventStop = 128

// tracer holds the state of one recording. Its methods run on the locked tracer thread.
type tracer struct {
	opts   Options
	mode   Mode
	agg    *recorder.Aggregator
	files  *fileDecoder
	tasks  map[int]*task
	reaped map[int]bool // tasks that exited before their parent's clone event was seen
	root   int
	execed bool // the root has exec'd the workload (before that, stops are the helper's)
	attach bool
	detach atomic.Bool
	// waking: the tracer blocks in wait4 and the watch goroutine interrupts it with
	// wakeSignal sent to thread tid; otherwise an attached recording polls.
	waking    bool
	tid       int
	detaching atomic.Bool // startDetach ran: the watch goroutine stops waking the tracer
	// live mirrors the keys of tasks for the watch goroutine, which kills them all when a
	// started workload outlives its grace period.
	liveMu  sync.Mutex
	live    map[int]bool
	cpu     *cpuPlacer
	res     Result
	info    syscallInfo
	clone3  map[syscalls.ABI]int64 // clone3's number per ABI of the machine's family
	resumeR int                    // PTRACE_CONT or PTRACE_SYSCALL
	// execPath is the program the helper execs (the workload's first exec).
	execPath string
	// ready is the helper's pipe: one byte once it runs, then, if its exec fails, the errno.
	ready *os.File
	// tty is the terminal handed to the workload's process group, if any.
	tty jobcontrol.Terminal
}

// task is one traced thread.
type task struct {
	tid  int
	tgid int
	// helper marks the threads of profgen's helper before it became the workload: their
	// stops may still be reported after the exec event, and are not the workload's.
	helper bool
	// call is a file syscall stopped at its entry whose exit is awaited (its result says
	// what to record).
	call *fileCall
}

func record(ctx context.Context, opts Options) (*Result, error) {
	t := &tracer{
		opts:   opts,
		tasks:  map[int]*task{},
		live:   map[int]bool{},
		reaped: map[int]bool{},
		attach: opts.PID != 0,
		tty:    jobcontrol.None(),
	}
	rec := opts.Recording
	if rec == nil {
		rec = profile.NewRecording("profgen", "ptrace")
	}
	t.agg = recorder.NewAggregator(rec)
	t.clone3 = map[syscalls.ABI]int64{}
	for _, abi := range syscalls.Native().Family() {
		if nr, err := abi.Number("clone3"); err == nil {
			t.clone3[abi] = nr
		}
	}
	if opts.Files {
		t.files = newFileDecoder(t.agg)
	}
	mode, err := t.chooseMode()
	if err != nil {
		return nil, err
	}
	t.mode = mode
	t.res.Mode = mode
	t.resumeR = unix.PTRACE_CONT
	if mode == ModeSyscall {
		t.resumeR = unix.PTRACE_SYSCALL
	}

	// Threads made now, while the user's process limit still allows them, serve the Go
	// runtime later, when the workload may have used it up.
	reserveThreads(reservedThreads)
	// Every ptrace request must come from the thread that attached.
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is not unlocked: it may carry a CPU affinity, so it exits with the
		// goroutine instead of returning to the pool.
		errc <- t.run(ctx)
	}()
	err = <-errc
	if t.ready != nil {
		if err == nil {
			err = t.execFailure()
		}
		t.ready.Close()
	}
	t.agg.Finish()
	t.res.Recording = rec
	t.res.Syscalls = t.agg.Total()
	if err != nil {
		return &t.res, err
	}
	return &t.res, nil
}

// execFailure returns the helper's failed exec of the command as an *os.PathError (Op
// "exec"), or nil if it exec'd or ended otherwise. Call it once the recording is over: the
// pipe's write end has then closed (at the exec, or with the helper).
func (t *tracer) execFailure() error {
	if t.execed || !t.res.Exited {
		return nil
	}
	var b [4]byte // the ready byte was read at the start
	if _, err := io.ReadFull(t.ready, b[:]); err != nil {
		return nil
	}
	errno := syscall.Errno(binary.LittleEndian.Uint32(b[:]))
	return fmt.Errorf("start the command to record: %w", &os.PathError{Op: "exec", Path: t.execPath, Err: errno})
}

func (t *tracer) chooseMode() (Mode, error) {
	m := t.opts.Mode
	if m == "" {
		m = ModeAuto
	}
	if t.attach {
		if m == ModeSeccomp {
			return "", errors.New("attaching needs the syscall trace mode: a seccomp filter cannot be added to a running process")
		}
		return ModeSyscall, nil
	}
	if m == ModeAuto {
		if seccompTraceAvailable() {
			return ModeSeccomp, nil
		}
		return ModeSyscall, nil
	}
	if m == ModeSeccomp && !seccompTraceAvailable() {
		return "", errors.New("the kernel does not offer the seccomp trace action (see /proc/sys/kernel/seccomp/actions_avail); use --trace-mode syscall")
	}
	if m == ModeSyscall && t.opts.Baseline != nil {
		return "", errors.New("a baseline needs the seccomp trace mode")
	}
	return m, nil
}

// seccompTraceAvailable reports whether the kernel can return SECCOMP_RET_TRACE.
func seccompTraceAvailable() bool {
	b, err := os.ReadFile("/proc/sys/kernel/seccomp/actions_avail")
	if err != nil {
		return false
	}
	for _, f := range strings.Fields(string(b)) {
		if f == "trace" {
			return true
		}
	}
	return false
}

func (t *tracer) run(ctx context.Context) error {
	policy := t.opts.CPUPolicy
	if policy == "" {
		policy = CPUAdaptive
	}
	t.cpu = newCPUPlacer(policy, unix.Gettid())
	defer t.cpu.stop()
	if t.attach {
		if err := t.attachAll(); err != nil {
			return err
		}
	} else {
		// Orphans of the workload (daemons, children of a parent that died first) become
		// profgen's children rather than init's, so the tracer reaps them and no zombie is
		// left behind.
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err == nil {
			defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
			defer reapOrphans()
		}
		if err := t.start(); err != nil {
			return err
		}
		defer t.tty.TakeBack()
	}
	t.cpu.start()
	defer quietStopNotifications()()
	if t.attach {
		restore, ok := interruptibleWaits()
		defer restore()
		t.waking, t.tid = ok, unix.Gettid()
	}
	stopWatch := t.watch(ctx)
	defer stopWatch()
	return t.loop()
}

// options returns the PTRACE_O_* options for the tracees.
func (t *tracer) options() int {
	o := unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEEXEC
	// Syscall stops are told apart from SIGTRAP by TRACESYSGOOD; in the seccomp mode they
	// are the exits of file syscalls.
	o |= unix.PTRACE_O_TRACESYSGOOD
	if t.mode == ModeSeccomp {
		o |= unix.PTRACE_O_TRACESECCOMP
	}
	if !t.attach {
		// If profgen dies, the workload dies with it rather than run on untraced (and, with
		// the seccomp filter, failing every syscall with ENOSYS).
		o |= unix.PTRACE_O_EXITKILL
	}
	return o
}

// start runs the helper, attaches to it and sends it the filter.
func (t *tracer) start() error {
	if len(t.opts.Args) == 0 {
		return errors.New("no command to record")
	}
	path, err := exec.LookPath(t.opts.Args[0])
	if err != nil {
		return fmt.Errorf("find the command to record: %w", err)
	}
	t.execPath = path
	var msg []byte
	if t.mode == ModeSeccomp {
		prog, err := buildFilter(baselineNumbers(t.opts.Baseline, t.keepStopping()))
		if err != nil {
			return fmt.Errorf("build seccomp filter: %w", err)
		}
		msg = encodeFilter(prog)
	} else {
		msg = []byte{1}
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find profgen's own executable for the helper: %w", err)
	}
	// The helper says it runs (its own exec is over, so the exec event the tracer sees next
	// is the workload's) on ready, then waits on gate for the filter.
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("make the helper pipe: %w", err)
	}
	defer pr.Close()
	defer pw.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("make the helper pipe: %w", err)
	}
	// Kept until the recording ends: a helper whose exec failed sends the errno on it.
	t.ready = readyR
	defer readyW.Close()
	env := t.opts.Env
	if env == nil {
		env = os.Environ()
	}
	env = append(append([]string(nil), env...), HelperEnv+"="+string(t.mode))
	stdio := []*os.File{t.opts.Stdin, t.opts.Stdout, t.opts.Stderr}
	for i, def := range []*os.File{os.Stdin, os.Stdout, os.Stderr} {
		if stdio[i] == nil {
			stdio[i] = def
		}
	}
	argv := append([]string{"profgen-ptrace-helper", path}, t.opts.Args...)
	// A process group of its own: what the workload signals to its group (kill 0) does not
	// reach profgen.
	proc, err := os.StartProcess(self, argv, &os.ProcAttr{
		Dir:   t.opts.Dir,
		Env:   env,
		Files: append(stdio, pr, readyW),
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	if err != nil {
		return fmt.Errorf("start the workload helper: %w", err)
	}
	t.root = proc.Pid
	// proc is never waited for through os: the tracer reaps it with wait4.
	_ = proc.Release()
	readyW.Close()
	if n, _ := readyR.Read(make([]byte, 1)); n != 1 {
		var ws unix.WaitStatus
		_, _ = unix.Wait4(t.root, &ws, 0, nil)
		return fmt.Errorf("start the workload helper: it exited (status %d) before it was ready", ws.ExitStatus())
	}
	if err := seize(t.root, t.options()); err != nil {
		syscall.Kill(t.root, syscall.SIGKILL)
		return fmt.Errorf("attach to the workload: %w", err)
	}
	// The helper runs (its group exists) and waits for the filter: the terminal, when
	// profgen has its foreground, goes to the workload's group before the workload runs.
	t.tty = jobcontrol.Foreground(stdio[0])
	t.tty.Give(t.root)
	t.addTask(t.root, t.root)
	if _, err := pw.Write(msg); err != nil {
		return fmt.Errorf("send the filter to the helper: %w", err)
	}
	return pw.Close()
}

// keepStopping lists the syscalls a baseline must not silence: those whose paths are asked
// for.
func (t *tracer) keepStopping() map[string]bool {
	if !t.opts.Files {
		return nil
	}
	return pathSyscallNames()
}

// attachAll seizes every thread of opts.PID and interrupts it so that it starts stopping at
// syscalls. Threads created meanwhile are picked up by rescanning /proc until none is new.
func (t *tracer) attachAll() error {
	t.root = t.opts.PID
	t.execed = true
	for {
		ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", t.root))
		if err != nil {
			return fmt.Errorf("list the threads of process %d: %w", t.root, err)
		}
		added := 0
		for _, e := range ents {
			var tid int
			if _, err := fmt.Sscan(e.Name(), &tid); err != nil || t.tasks[tid] != nil {
				continue
			}
			if err := seize(tid, t.options()); err != nil {
				if errors.Is(err, unix.ESRCH) {
					continue
				}
				if errors.Is(err, unix.EPERM) {
					return fmt.Errorf("attach to process %d: %w (run as root, or see kernel.yama.ptrace_scope; is it traced already?)", t.root, ErrNotTraceable)
				}
				return fmt.Errorf("attach to process %d thread %d: %w", t.root, tid, err)
			}
			_ = ptraceRaw(unix.PTRACE_INTERRUPT, tid, 0, 0)
			t.addTask(tid, t.root)
			added++
		}
		if added == 0 {
			return nil
		}
	}
}

// watch forwards signals and ends the recording when ctx is done: a started workload gets
// SIGTERM (then SIGKILL after the grace period); an attached one is detached.
func (t *tracer) watch(ctx context.Context) func() {
	done := make(chan struct{})
	go func() {
		var kill <-chan time.Time
		var wake <-chan time.Time
		for {
			select {
			case <-done:
				return
			case <-wake:
				// Until the tracer has seen the request: a signal sent just before it
				// entered wait4 was taken by the handler and woke nothing.
				if !t.detaching.Load() {
					t.wake()
					wake = time.After(20 * time.Millisecond)
				}
			case sig := <-t.opts.Signals:
				if t.attach {
					t.detach.Store(true)
					t.wake()
					wake = time.After(20 * time.Millisecond)
					continue
				}
				if s, ok := sig.(syscall.Signal); ok {
					t.signalTree(s)
				}
			case <-ctx.Done():
				ctx = context.Background() // handled once
				if t.attach {
					t.detach.Store(true)
					t.wake()
					wake = time.After(20 * time.Millisecond)
					continue
				}
				t.signalTree(syscall.SIGTERM)
				grace := t.opts.Grace
				if grace == 0 {
					grace = 5 * time.Second
				}
				kill = time.After(grace)
			case <-kill:
				t.signalAll(syscall.SIGKILL)
			}
		}
	}()
	return func() { close(done) }
}

// wake interrupts the tracer's blocking wait4 so that it sees a detach request.
func (t *tracer) wake() {
	if t.waking {
		_ = unix.Tgkill(unix.Getpid(), t.tid, wakeSignal)
	}
}

// signalAll sends sig to every traced task (all the workload's processes, not only the
// root, whose children may outlive it).
func (t *tracer) signalAll(sig syscall.Signal) {
	t.liveMu.Lock()
	defer t.liveMu.Unlock()
	for tid := range t.live {
		_ = syscall.Kill(tid, sig)
	}
}

func (t *tracer) addTask(tid, tgid int) {
	if t.tasks[tid] != nil {
		return
	}
	t.tasks[tid] = &task{tid: tid, tgid: tgid, helper: !t.attach && !t.execed && tgid == t.root}
	t.liveMu.Lock()
	t.live[tid] = true
	t.liveMu.Unlock()
	t.cpu.add(tid)
}

func (t *tracer) removeTask(tid int) {
	delete(t.tasks, tid)
	if t.files != nil {
		t.files.forget(tid)
	}
	t.liveMu.Lock()
	delete(t.live, tid)
	t.liveMu.Unlock()
	t.cpu.remove(tid)
}

// loop waits for stops and exits until no traced task is left.
func (t *tracer) loop() error {
	var ws unix.WaitStatus
	idle := time.Duration(0)
	for len(t.tasks) > 0 {
		if t.attach && t.detach.Load() && !t.res.Detached {
			t.startDetach()
		}
		flags := unix.WALL
		if t.attach && !t.waking {
			// An attached recording must notice a detach request while its tracees sleep;
			// without a wake signal it polls.
			flags |= unix.WNOHANG
		}
		tid, err := unix.Wait4(-1, &ws, flags, nil)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if errors.Is(err, unix.ECHILD) {
				return nil
			}
			return fmt.Errorf("wait for the workload: %w", err)
		}
		if tid == 0 {
			idle = min(max(2*idle, time.Millisecond), 20*time.Millisecond)
			time.Sleep(idle)
			continue
		}
		idle = 0
		t.handle(tid, ws)
	}
	return nil
}

// handle deals with one wait status.
func (t *tracer) handle(tid int, ws unix.WaitStatus) {
	switch {
	case ws.Exited() || ws.Signaled():
		if tid == t.root {
			t.res.Exited = ws.Exited()
			t.res.ExitCode = ws.ExitStatus()
			if ws.Signaled() {
				t.res.Signal = int(ws.Signal())
			}
		}
		if t.tasks[tid] == nil {
			t.reaped[tid] = true
		}
		t.removeTask(tid)
		return
	case !ws.Stopped():
		return
	}
	t.res.Stops++
	t.cpu.tick()
	if t.tasks[tid] == nil {
		// A new child can report before its parent's clone event.
		t.addTask(tid, tgidOf(tid))
	}
	if t.res.Detached {
		t.detachTask(tid, ws)
		return
	}
	sig := ws.StopSignal()
	// The event is in bits 16-23 for every stop (WaitStatus.TrapCause only reads it for
	// SIGTRAP stops, but group-stops report their stopping signal with PTRACE_EVENT_STOP).
	event := int(uint32(ws)>>16) & 0xff
	switch {
	case sig == syscall.SIGTRAP|0x80:
		t.syscallStop(tid)
		t.resume(tid, 0)
	case sig == syscall.SIGTRAP && event > 0:
		t.event(tid, event, ws)
	case event == ptraceEventStop:
		// A group-stop: keep the task stopped without holding it in ptrace.
		_ = ptraceRaw(unix.PTRACE_LISTEN, tid, 0, 0)
		t.tty.JobStopped(tid, sig)
	default:
		t.resume(tid, int(sig))
	}
}

// event handles a PTRACE_EVENT stop.
func (t *tracer) event(tid, event int, ws unix.WaitStatus) {
	switch event {
	case unix.PTRACE_EVENT_SECCOMP:
		t.syscallStop(tid)
	case unix.PTRACE_EVENT_FORK, unix.PTRACE_EVENT_VFORK, unix.PTRACE_EVENT_CLONE:
		msg, err := unix.PtraceGetEventMsg(tid)
		if err == nil {
			child := int(msg)
			if t.opts.Observer != nil {
				t.opts.Observer.Clone(tid, child)
			}
			if t.reaped[child] {
				delete(t.reaped, child)
			} else if t.tasks[child] == nil {
				tgid := child
				if event == unix.PTRACE_EVENT_CLONE {
					tgid = tgidOf(child)
				}
				t.addTask(child, tgid)
			}
		}
	case unix.PTRACE_EVENT_EXEC:
		// A thread other than the leader may have exec'd: its old id is gone without an
		// exit report.
		if old, err := unix.PtraceGetEventMsg(tid); err == nil && int(old) != tid {
			// The exec's exit is reported to the leader's id, which the thread took.
			if otk, tk := t.tasks[int(old)], t.tasks[tid]; otk != nil && tk != nil {
				tk.call = otk.call
			}
			t.removeTask(int(old))
		}
		if t.opts.Observer != nil {
			t.opts.Observer.Exec(tid)
		}
		if tid == t.root && !t.execed {
			// The helper became the workload; its execve was the first syscall the
			// workload made.
			t.execed = true
			if tk := t.tasks[tid]; tk != nil {
				tk.helper = false
			}
			native := syscalls.Native()
			if nr, err := native.Number("execve"); err == nil && !t.inBaseline(native, "execve") {
				t.agg.Syscall(recorder.Event{PID: tid, ABI: syscalls.Native(), Nr: nr})
			}
			if t.files != nil {
				// AppArmor names the program by its file (a script, not its interpreter),
				// after symbolic links.
				exe, err := filepath.EvalSymlinks(t.execPath)
				if err == nil {
					exe, err = filepath.Abs(exe)
				}
				if err == nil {
					t.agg.File(tid, exe, "x")
					t.agg.FileType(tid, exe, profile.FileTypeRegular)
				}
			}
		}
	case ptraceEventStop:
		// The first stop of a new task, or a PTRACE_INTERRUPT stop.
	}
	t.resume(tid, 0)
}

// inBaseline reports whether the filter lets name on abi run without a stop.
func (t *tracer) inBaseline(abi syscalls.ABI, name string) bool {
	b := t.opts.Baseline
	if b == nil || b.Syscalls[abi] == nil || b.Syscalls[abi][name] == nil {
		return false
	}
	return !t.keepStopping()[name]
}

// syscallStop records the syscall tid is stopped at.
func (t *tracer) syscallStop(tid int) {
	tk := t.tasks[tid]
	if tk == nil || tk.helper {
		return // the helper's own calls before it became the workload
	}
	if err := getSyscallInfo(tid, &t.info); err != nil {
		return
	}
	if t.info.Op == opExit {
		if c := tk.call; c != nil {
			tk.call = nil
			// The exit member of the union: rval where nr is, is_error in the next byte.
			t.files.exit(tid, c, int64(t.info.Nr), t.info.Args[0]&0xff != 0)
		}
		return
	}
	if t.info.Op != opSeccomp && (t.info.Op != opEntry || t.mode == ModeSeccomp) {
		return // in the seccomp mode, the seccomp stop is the entry
	}
	abi, err := syscalls.ABIFromAudit(t.info.Arch, int64(t.info.Nr))
	if err != nil {
		t.agg.Recording().AddDropped("unknown_arch", 1)
		return
	}
	pid := tk.tgid
	ev := recorder.Event{PID: pid, ABI: abi, Nr: int64(t.info.Nr), Args: t.info.Args}
	t.agg.Syscall(ev)
	if t.opts.Observer != nil {
		t.opts.Observer.Syscall(tid, ev)
	}
	if t.clone3[abi] == ev.Nr && ev.Nr != 0 {
		t.clone3Flags(tid, abi)
	}
	if t.files != nil {
		tk.call = t.files.enter(tid, pid, t.agg.Name(abi, ev.Nr), &t.info)
	}
}

// clone3Flags records the flags of a clone3 call, the first field of its struct clone_args.
func (t *tracer) clone3Flags(tid int, abi syscalls.ABI) {
	var b [8]byte
	if n, err := readMem(tid, t.info.Args[0], b[:]); err == nil && n == len(b) {
		t.agg.Recording().AddArg("clone3", "flags", binary.NativeEndian.Uint64(b[:]))
	}
}

// resume restarts tid, delivering sig: to its next syscall stop when the exit of a file
// syscall is awaited.
func (t *tracer) resume(tid, sig int) {
	req := t.resumeR
	if tk := t.tasks[tid]; tk != nil && tk.call != nil {
		req = unix.PTRACE_SYSCALL
	}
	_ = ptraceRaw(req, tid, 0, uintptr(sig))
}

// startDetach interrupts every task so that each can be detached at its next stop.
func (t *tracer) startDetach() {
	t.res.Detached = true
	t.detaching.Store(true)
	for tid := range t.tasks {
		_ = ptraceRaw(unix.PTRACE_INTERRUPT, tid, 0, 0)
	}
}

// detachTask detaches a stopped task, passing on a signal it was stopped for.
func (t *tracer) detachTask(tid int, ws unix.WaitStatus) {
	sig := 0
	if s := ws.StopSignal(); uint32(ws)>>16 == 0 && s != syscall.SIGTRAP && s != syscall.SIGTRAP|0x80 {
		sig = int(s)
	}
	_ = ptraceRaw(unix.PTRACE_DETACH, tid, 0, uintptr(sig))
	t.removeTask(tid)
}

// tgidOf returns the process (thread group) a thread belongs to.
func tgidOf(tid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	if err != nil {
		return tid
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Tgid:"); ok {
			var n int
			if _, err := fmt.Sscan(strings.TrimSpace(v), &n); err == nil {
				return n
			}
		}
	}
	return tid
}

// reapOrphans collects the exit status of orphans of the workload that were reparented to
// profgen after the tracer had seen them exit.
func reapOrphans() {
	var ws unix.WaitStatus
	for {
		pid, err := unix.Wait4(-1, &ws, unix.WALL|unix.WNOHANG, nil)
		if err != nil && errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
	}
}
