//go:build linux

package jobcontrol

import (
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Terminal is the controlling terminal handed to the workload's group, if any.
type Terminal struct {
	fd    int // -1: none (not a terminal, or profgen is not in its foreground)
	ours  int // profgen's process group
	group int // the workload's process group
}

// None is the Terminal of a workload that is not given one.
func None() Terminal { return Terminal{fd: -1} }

// Held says whether there is a terminal to hand over: without one, a stop of the workload is
// none of profgen's business (JobStopped does nothing), and a poller need not look for it.
func (tt *Terminal) Held() bool { return tt.fd >= 0 }

// Foreground returns the terminal stdin is, when profgen's group is in its foreground.
func Foreground(stdin *os.File) Terminal {
	fd := int(stdin.Fd())
	pg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || pg != unix.Getpgrp() {
		return None()
	}
	return Terminal{fd: fd, ours: pg}
}

// Child sets attr so that the child is made the leader of a process group of its own and, when
// profgen has the terminal's foreground, gives it to that group itself before it execs (as a
// shell's child does). The workload then never runs in the background: it cannot be stopped by
// a read of the terminal (SIGTTIN) before the hand-over, and profgen need not send it a SIGCONT
// that would undo a stop the workload made itself (kill -STOP $$, ^Z). The child's signals are
// blocked then, so the kernel does not stop it with SIGTTOU for setting the foreground.
func (tt *Terminal) Child(attr *syscall.SysProcAttr) {
	attr.Setpgid = true
	if tt.fd >= 0 {
		attr.Foreground = true
		attr.Ctty = tt.fd
	}
}

// Given records that group took the foreground itself (Child): profgen's later JobStopped
// gives it back to that group. Setting it again from here could take the terminal from a
// group the workload has given it to meanwhile.
func (tt *Terminal) Given(group int) { tt.group = group }

// Give makes group (the workload's process group) the terminal's foreground group.
func (tt *Terminal) Give(group int) {
	tt.group = group
	if tt.fd >= 0 {
		setForeground(tt.fd, group)
	}
}

// TakeBack makes profgen's group the foreground again (at the end, or to stop).
func (tt *Terminal) TakeBack() {
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

// JobStopped is called when process pid of the workload stopped with sig (ptrace reports a
// group-stop; a poller sees state T). If it is in the group holding the terminal and the
// stop is a job-control stop (^Z, SIGTTIN, SIGTTOU, SIGSTOP), profgen takes the terminal
// back and stops itself; once continued (fg), it gives the terminal to the workload again
// and continues it. sig 0 means any of them.
func (tt *Terminal) JobStopped(pid int, sig syscall.Signal) {
	if tt.fd < 0 {
		return
	}
	switch sig {
	case 0, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGSTOP:
	default:
		return
	}
	if pg, err := unix.Getpgid(pid); err != nil || pg != tt.group || !Stopped(pid) {
		return // another group, or already continued (an old report)
	}
	tt.TakeBack()
	_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
	// Continued.
	tt.Give(tt.group)
	_ = syscall.Kill(-tt.group, syscall.SIGCONT)
}

// StoppedBeforeExec is called when pid, the workload's first process (the leader of its
// group), stopped before its exec: a ^Z reached it while profgen started it. If its group
// holds the terminal, profgen stops with it (JobStopped). If profgen's group holds it, the ^Z
// stopped profgen too and fg continued profgen alone: the terminal goes to the workload's
// group again, and the group is continued.
func (tt *Terminal) StoppedBeforeExec(pid int) {
	if tt.fd < 0 || !Stopped(pid) {
		return
	}
	tt.group = pid
	fg, err := unix.IoctlGetInt(tt.fd, unix.TIOCGPGRP)
	switch {
	case err != nil:
	case fg == pid:
		tt.JobStopped(pid, 0)
	case fg == tt.ours:
		tt.Give(pid)
		_ = syscall.Kill(-pid, syscall.SIGCONT)
	}
}

// Stopped reports whether pid is stopped (state T, or t under ptrace).
func Stopped(pid int) bool {
	s := State(pid)
	return s == 'T' || s == 't'
}

// State returns the state letter of /proc/PID/stat (R, S, T ...), 0 if unknown.
func State(pid int) byte {
	f := statFields(pid)
	if len(f) < 1 || len(f[0]) == 0 {
		return 0
	}
	return f[0][0]
}

// Parent returns the parent process id of pid, 0 if unknown.
func Parent(pid int) int {
	f := statFields(pid)
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// statFields returns the fields of /proc/PID/stat after the command name.
func statFields(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}
