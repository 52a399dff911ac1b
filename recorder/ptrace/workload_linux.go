//go:build linux

package ptrace

import (
	"os"
	"os/signal"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// The workload runs in a process group of its own, so that a signal it sends to its group
// (kill -9 0) does not reach profgen. When profgen runs in the foreground of a terminal, the
// workload's group takes the terminal's foreground (it reads the terminal and gets ^C and ^Z
// from it as it would without profgen), and a stop of the workload (^Z) stops profgen too,
// so that the shell sees its job stopped; `fg` continues both. This is what a shell does
// with a job, and sudo with the command it runs.

// terminal is the controlling terminal handed to the workload's group, if any.
type terminal struct {
	fd    int // -1: none (not a terminal, or profgen is not in its foreground)
	ours  int // profgen's process group
	group int // the workload's process group
}

// foregroundTerminal returns the terminal stdin is when profgen's group is in its foreground.
func foregroundTerminal(stdin *os.File) terminal {
	fd := int(stdin.Fd())
	pg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || pg != unix.Getpgrp() {
		return terminal{fd: -1}
	}
	return terminal{fd: fd, ours: pg}
}

// give makes group the terminal's foreground group.
func (tt *terminal) give(group int) {
	tt.group = group
	if tt.fd >= 0 {
		setForeground(tt.fd, group)
	}
}

// takeBack makes profgen's group the foreground again (at the end, or to stop).
func (tt *terminal) takeBack() {
	if tt.fd >= 0 {
		setForeground(tt.fd, tt.ours)
	}
}

// setForeground sets the terminal's foreground group. From a background group the kernel
// would stop profgen with SIGTTOU, which is ignored meanwhile (never while a child is made:
// an ignored signal stays ignored across exec).
func setForeground(fd, group int) {
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	_ = unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, group)
}

// stopWithWorkload is called when a process of the workload's foreground group entered a
// group-stop: if the whole job is stopping on the terminal (^Z, SIGTTIN, SIGTTOU, SIGSTOP),
// profgen takes the terminal back and stops itself; when continued (fg), it gives the
// terminal to the workload again and continues it.
func (t *tracer) stopWithWorkload(tid int, sig syscall.Signal) {
	if t.tty.fd < 0 {
		return
	}
	switch sig {
	case syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGSTOP:
	default:
		return
	}
	if pg, err := unix.Getpgid(tid); err != nil || pg != t.tty.group || (procState(tid) != 'T' && procState(tid) != 't') {
		return // another group, or already continued (an old report)
	}
	t.tty.takeBack()
	_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
	// Continued.
	t.tty.give(t.tty.group)
	_ = syscall.Kill(-t.tty.group, syscall.SIGCONT)
}

// procState returns the state letter of /proc/PID/stat (R, S, T ...), 0 if unknown.
func procState(pid int) byte {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 >= len(b) {
		return 0
	}
	return b[i+2]
}

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
		if procs[parentOf(pid)] {
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

// parentOf returns the parent process id of pid, 0 if unknown.
func parentOf(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
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
