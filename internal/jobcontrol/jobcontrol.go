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

// Foreground returns the terminal stdin is, when profgen's group is in its foreground.
func Foreground(stdin *os.File) Terminal {
	fd := int(stdin.Fd())
	pg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	if err != nil || pg != unix.Getpgrp() {
		return None()
	}
	return Terminal{fd: fd, ours: pg}
}

// IsTerminal reports whether profgen holds a terminal in its foreground (Foreground found
// one): only then can a workload be stopped by reading or writing it (SIGTTIN, SIGTTOU).
func (tt *Terminal) IsTerminal() bool { return tt.fd >= 0 }

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
