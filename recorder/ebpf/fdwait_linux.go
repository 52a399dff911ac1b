//go:build linux && amd64

package ebpf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// fdWait waits until a descriptor is readable with no polling: a goroutine waits in poll(2)
// on it and on a pipe that stop writes to.
type fdWait struct {
	// C is closed when the descriptor is readable (or in error).
	C        <-chan struct{}
	wake     [2]int
	finished chan struct{}
}

// waitReadable starts waiting for fd to be readable. The caller keeps fd open until stop.
func waitReadable(fd int) (*fdWait, error) {
	w := &fdWait{finished: make(chan struct{})}
	if err := unix.Pipe2(w.wake[:], unix.O_CLOEXEC); err != nil {
		return nil, err
	}
	ready := make(chan struct{})
	w.C = ready
	go func() {
		defer close(w.finished)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}, {Fd: int32(w.wake[0]), Events: unix.POLLIN}}
		for {
			_, err := unix.Poll(fds, -1)
			if errors.Is(err, unix.EINTR) || (err == nil && fds[0].Revents == 0 && fds[1].Revents == 0) {
				continue
			}
			// Readable, or an error on it or of poll itself: the caller looks for itself.
			if fds[1].Revents == 0 {
				close(ready)
			}
			return
		}
	}()
	return w, nil
}

// stop ends the wait and frees the pipe.
func (w *fdWait) stop() {
	unix.Write(w.wake[1], []byte{0})
	<-w.finished
	unix.Close(w.wake[0])
	unix.Close(w.wake[1])
}

// exitWatch reports the exit of one process, any process (not only a child), through its
// pidfd (Linux 5.3 and later), which turns readable when the process has exited.
type exitWatch struct {
	*fdWait
	pidfd int
}

// watchExit starts watching process pid.
func watchExit(pid int) (*exitWatch, error) {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, fmt.Errorf("watch process %d: %w", pid, err)
	}
	w, err := waitReadable(pidfd)
	if err != nil {
		unix.Close(pidfd)
		return nil, fmt.Errorf("watch process %d: %w", pid, err)
	}
	return &exitWatch{fdWait: w, pidfd: pidfd}, nil
}

// stop ends the watch and frees its descriptors.
func (w *exitWatch) stop() {
	w.fdWait.stop()
	unix.Close(w.pidfd)
}

// cgroupWatch reports when a cgroup v2 directory may have emptied or gone: the kernel
// notifies inotify watchers of a change of its cgroup.events (the populated line), and of the
// file's removal with the cgroup.
type cgroupWatch struct {
	fd   int // the inotify instance
	wait *fdWait
}

// watchCgroup starts watching the cgroup dir. It fails if dir has no cgroup.events (the root
// cgroup, which never empties).
func watchCgroup(dir string) (*cgroupWatch, error) {
	events := filepath.Join(dir, "cgroup.events")
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", events, err)
	}
	if _, err := unix.InotifyAddWatch(fd, events, unix.IN_MODIFY|unix.IN_DELETE_SELF); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("watch %s: %w", events, err)
	}
	c := &cgroupWatch{fd: fd}
	if c.wait, err = waitReadable(fd); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("watch %s: %w", events, err)
	}
	return c, nil
}

// changed is closed when cgroup.events may have changed; call rearm then, and look.
func (c *cgroupWatch) changed() <-chan struct{} { return c.wait.C }

// rearm drops the notifications read so far and waits for the next. The caller looks at
// cgroup.events after it: a change made before the drop is seen there, one after wakes it.
func (c *cgroupWatch) rearm() error {
	c.wait.stop()
	var buf [4096]byte
	for {
		if _, err := unix.Read(c.fd, buf[:]); err != nil {
			break // EAGAIN: none left
		}
	}
	w, err := waitReadable(c.fd)
	if err != nil {
		return fmt.Errorf("watch a cgroup: %w", err)
	}
	c.wait = w
	return nil
}

func (c *cgroupWatch) stop() {
	c.wait.stop()
	unix.Close(c.fd)
}

// cgroupLooks counts the looks of cgroupEnded (the tests count them).
var cgroupLooks atomic.Int64

// cgroupEnded says whether the cgroup dir has no process left or is gone. The root cgroup has
// no cgroup.events and never ends.
func cgroupEnded(dir string) bool {
	cgroupLooks.Add(1)
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	if errors.Is(err, os.ErrNotExist) {
		_, err := os.Stat(dir)
		return errors.Is(err, os.ErrNotExist)
	}
	return err == nil && strings.Contains(string(data), "populated 0")
}
