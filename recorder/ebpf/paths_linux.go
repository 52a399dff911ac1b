//go:build linux && amd64

package ebpf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/profgen/profgen/recorder"
)

// pathPoll is how often the reader looks for path events the program did not wake it for.
const pathPoll = 20 * time.Millisecond

// pathReader feeds the events of the paths ring buffer to an aggregator, from its own
// goroutine, until stop.
type pathReader struct {
	rd   *ringbuf.Reader
	agg  *recorder.Aggregator
	done chan struct{}
	// unresolved counts failed opens of a relative path whose directory was gone.
	unresolved uint64
	err        error
}

// startPaths starts reading the paths ring buffer into agg. The caller reads agg only after
// stop.
func (p *programs) startPaths(agg *recorder.Aggregator) (*pathReader, error) {
	rd, err := ringbuf.NewReader(p.objs.Paths)
	if err != nil {
		return nil, fmt.Errorf("read the paths ring buffer: %w", err)
	}
	r := &pathReader{rd: rd, agg: agg, done: make(chan struct{})}
	go r.loop()
	return r, nil
}

func (r *pathReader) loop() {
	defer close(r.done)
	var rec ringbuf.Record
	for {
		// The program wakes the reader only when the ring fills up; a deadline makes it look
		// every pathPoll (set here, between reads: SetDeadline waits for a Read in progress).
		r.rd.SetDeadline(time.Now().Add(pathPoll))
		if err := r.rd.ReadInto(&rec); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			if !errors.Is(err, ringbuf.ErrFlushed) && !errors.Is(err, ringbuf.ErrClosed) {
				r.err = fmt.Errorf("read the paths ring buffer: %w", err)
			}
			return
		}
		e, err := decodePathEvent(rec.RawSample)
		if err != nil {
			r.err = err
			continue
		}
		r.handle(e)
	}
}

// stop reads what is left in the ring buffer (the programs are detached by then) and ends.
func (r *pathReader) stop() error {
	if err := r.rd.Flush(); err != nil {
		r.rd.Close()
		<-r.done
		return fmt.Errorf("read the rest of the paths ring buffer: %w", err)
	}
	<-r.done
	r.rd.Close()
	return r.err
}

func (r *pathReader) handle(e pathEvent) {
	switch e.kind {
	case kindExec:
		r.agg.File(e.pid, e.path, "x")
	case kindOpen:
		if e.flags&oPath != 0 || e.path == "" {
			return // O_PATH opens are not mediated by AppArmor
		}
		r.agg.File(e.pid, e.path, openAccess(e.flags))
	case kindOpenFailed:
		if e.flags&oPath != 0 || e.path == "" {
			return
		}
		path := e.path
		if !filepath.IsAbs(path) {
			dir := "/proc/" + strconv.Itoa(e.pid) + "/cwd"
			if e.dfd != unix.AT_FDCWD {
				dir = "/proc/" + strconv.Itoa(e.pid) + "/fd/" + strconv.FormatInt(e.dfd, 10)
			}
			base, err := os.Readlink(dir)
			if err != nil {
				r.unresolved++
				return
			}
			path = filepath.Join(base, path)
		}
		r.agg.FileFailed(e.pid, filepath.Clean(path), openAccess(e.flags), unix.ErrnoName(unix.Errno(-e.ret)))
	}
}
