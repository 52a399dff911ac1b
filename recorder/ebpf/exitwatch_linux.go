//go:build linux && amd64

package ebpf

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// exitWatch reports the exit of one process, any process (not only a child), with no polling:
// a goroutine waits in poll(2) on the process's pidfd and on a pipe that stop writes to.
type exitWatch struct {
	// C is closed when the process has exited.
	C        <-chan struct{}
	pidfd    int
	wake     [2]int // the pipe that ends the wait early
	finished chan struct{}
}

// watchExit starts watching process pid (Linux 5.3 and later: pidfd_open).
func watchExit(pid int) (*exitWatch, error) {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, fmt.Errorf("watch process %d: %w", pid, err)
	}
	w := &exitWatch{pidfd: pidfd, finished: make(chan struct{})}
	if err := unix.Pipe2(w.wake[:], unix.O_CLOEXEC); err != nil {
		unix.Close(pidfd)
		return nil, fmt.Errorf("watch process %d: %w", pid, err)
	}
	exited := make(chan struct{})
	w.C = exited
	go func() {
		defer close(w.finished)
		fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}, {Fd: int32(w.wake[0]), Events: unix.POLLIN}}
		for {
			_, err := unix.Poll(fds, -1)
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if err == nil && fds[0].Revents == 0 && fds[1].Revents == 0 {
				continue
			}
			// Readable (or an error on it): the process has exited. An error of poll itself
			// ends the wait too, which the caller then makes by polling.
			if fds[1].Revents == 0 {
				close(exited)
			}
			return
		}
	}()
	return w, nil
}

// stop ends the watch and frees its descriptors.
func (w *exitWatch) stop() {
	unix.Write(w.wake[1], []byte{0})
	<-w.finished
	unix.Close(w.wake[0])
	unix.Close(w.wake[1])
	unix.Close(w.pidfd)
}
