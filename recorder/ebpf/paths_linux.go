//go:build linux && amd64

package ebpf

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cilium/ebpf/ringbuf"

	"github.com/profgen/profgen/recorder"
	"github.com/profgen/profgen/recorder/filecalls"
)

// pathPoll is how often the reader looks for path records the program did not wake it for.
const pathPoll = 20 * time.Millisecond

// pathReader feeds the records of the paths ring buffer to a fileDecoder, from its own
// goroutine, until stop.
type pathReader struct {
	rd   *ringbuf.Reader
	dec  *fileDecoder
	done chan struct{}
	err  error
}

// startPaths starts reading the paths ring buffer into agg. The caller reads agg only after
// stop.
func (p *programs) startPaths(agg *recorder.Aggregator) (*pathReader, error) {
	rd, err := ringbuf.NewReader(p.objs.Paths)
	if err != nil {
		return nil, fmt.Errorf("read the paths ring buffer: %w", err)
	}
	r := &pathReader{rd: rd, dec: newFileDecoder(agg), done: make(chan struct{})}
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
		pr, err := decodePathRecord(rec.RawSample)
		if err != nil {
			r.err = err
			continue
		}
		r.dec.add(pr)
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

// Kinds of call descriptions (DESC_* of the program) and NO_ARG.
const (
	descFile    = 1
	descOpen    = 2
	descOpenHow = 3
	descExec    = 4
	descMap     = 5
	noArg       = 0xff
)

// callDesc tells the program what a syscall's arguments are (struct call_desc).
type callDesc struct {
	Kind    uint8
	Path    [2]uint8
	DirFD   [2]uint8
	Renames uint8 // a success may give a file another path (the program's walked paths change)
	Look    uint8 // filecalls.LookOnly
	// FlagsArg is the argument holding an open's flags.
	FlagsArg uint8
}

// describe returns the program's description of the file syscall name.
func describe(name string, s filecalls.Spec) callDesc {
	d := callDesc{Kind: descFile, Path: [2]uint8{noArg, noArg}, DirFD: [2]uint8{noArg, noArg}}
	if filecalls.IsRename(name) {
		d.Renames = 1
	}
	if filecalls.LookOnly(name) {
		d.Look = 1
	}
	if s.OpenFlags >= 0 {
		d.FlagsArg = uint8(s.OpenFlags)
	}
	switch {
	case filecalls.IsExec(name):
		d.Kind = descExec
	case filecalls.IsMap(name):
		d.Kind = descMap
	case s.OpenFlags == filecalls.FlagsOpenHow:
		d.Kind = descOpenHow
	case s.Open():
		d.Kind = descOpen
	}
	for i, a := range s.Args {
		d.Path[i] = uint8(a.Path)
		if a.DirFD >= 0 {
			d.DirFD[i] = uint8(a.DirFD)
		}
	}
	return d
}

// fileSyscalls returns the file syscalls of every ABI the program counts, by their index in
// its arrays (abi * maxNr + number).
func fileSyscalls() map[uint32]string {
	out := map[uint32]string{}
	for i, abi := range abis {
		for _, name := range filecalls.Names() {
			nr, err := abi.Number(name)
			if err != nil {
				continue // not on this ABI
			}
			if idx := nr &^ x32Bit; idx >= 0 && idx < maxNr {
				out[uint32(i*maxNr)+uint32(idx)] = name
			}
		}
	}
	return out
}

// markFileSyscalls tells the program which syscalls name files, and how.
func (p *programs) markFileSyscalls(calls map[uint32]string) error {
	for key, name := range calls {
		s, _ := filecalls.Lookup(name)
		if err := p.objs.FileSyscalls.Put(key, describe(name, s)); err != nil {
			return fmt.Errorf("mark %s for its paths: %w", name, err)
		}
	}
	return nil
}
