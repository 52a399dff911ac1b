package auditlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder"
	"github.com/profgen/profgen/syscalls"
)

// Options select what an Importer reads and how.
type Options struct {
	Seccomp, AppArmor bool     // record kinds to read (both false: both)
	Comm, Exe         []string // keep only records of these comm / exe values (any)
	// An Exe that is a symbolic link on this machine also matches its target, which is what
	// the kernel logs.
	PID          []uint64
	Profile      []string  // AppArmor: keep only records of these profiles
	Since, Until time.Time // keep only records stamped in [Since, Until]
	// Strict makes a malformed line an error instead of a counted, reported skip.
	Strict bool
	// Summary collects what each process (exe, comm) did, for Summary().
	Summary bool
	// Workers is the number of parsing goroutines (0: GOMAXPROCS).
	Workers int
	// MaxReported is how many bad lines are kept for reporting (0: 5).
	MaxReported int
}

// BadLine is a malformed, truncated, binary or over-long line that was skipped.
type BadLine struct {
	File string
	Line int64
	Err  error
	Text string // the start of the line
}

func (b BadLine) Error() string {
	return fmt.Sprintf("%s:%d: %v", b.File, b.Line, b.Err)
}

func (b BadLine) Unwrap() error { return b.Err }

// Stats counts what an Importer read.
type Stats struct {
	Bytes, Lines      uint64
	Seccomp, AppArmor uint64 // records kept
	Filtered          uint64 // records dropped by the filters
	Other             uint64 // lines that are not records profgen reads
	Bad               uint64 // malformed, binary or over-long lines skipped
	NoTime            uint64 // records kept although a time filter was set, for lack of a stamp
	UnusedAppArmor    uint64 // AppArmor records that give no rule (status, hints, other classes)
	UnknownSyscalls   uint64 // seccomp records whose number the ABI's table does not name
	Forms             map[string]uint64
	Actions           map[string]uint64 // seccomp actions (LOG, KILL_PROCESS, ERRNO(1) ...)
}

// ProcessSummary is what one program (exe, comm) was seen doing.
type ProcessSummary struct {
	Exe, Comm string
	Syscalls  map[syscalls.ABI]map[string]uint64
	AppArmor  map[string]uint64 // "DENIED open", "ALLOWED capable" ...
}

// Importer turns audit records into a profile.Recording. Call Read for every input, then
// Recording. An Importer is not safe for concurrent use.
type Importer struct {
	opts Options
	// agg is the one sink: every chunk's aggregator is merged into it in input order.
	agg      *recorder.Aggregator
	procs    map[string]*procAgg
	programs programSet
	serials  serialSet // of the input being read
	missing  uint64    // serial numbers missing in the inputs read so far
	gaps     uint64
	// serialOverflow: an input had more gaps than were tracked
	serialOverflow bool
	stats          Stats
	bad            []BadLine
	loss           map[string]uint64
	lostMax        uint64
	first          time.Time // span of the records kept
	last           time.Time
	inputs         []string
	truncated      []string // compressed inputs that ended early
}

// procAgg is what one program (exe, comm) did, for Summary.
type procAgg struct {
	comm, exe string
	agg       *recorder.Aggregator // its syscalls, when it made any
	aa        map[string]uint64
}

// NewImporter returns an Importer with options o.
func NewImporter(o Options) *Importer {
	if !o.Seccomp && !o.AppArmor {
		o.Seccomp, o.AppArmor = true, true
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.MaxReported <= 0 {
		o.MaxReported = 5
	}
	o.Exe = withLinkTargets(o.Exe)
	return &Importer{
		opts:  o,
		agg:   recorder.NewAggregator(profile.NewRecording("profgen", "auditlog")),
		procs: map[string]*procAgg{},
		loss:  map[string]uint64{},
		stats: Stats{Forms: map[string]uint64{}, Actions: map[string]uint64{}},
	}
}

// Stats returns the counts so far.
func (im *Importer) Stats() Stats { return im.stats }

// BadLines returns the first bad lines met (Options.MaxReported of them).
func (im *Importer) BadLines() []BadLine { return im.bad }

const chunkSize = 4 << 20

var gzipMagic = []byte{0x1f, 0x8b}

// Read imports every line of r, named name in reports. Gzip-compressed input is detected and
// decompressed. The input is parsed in chunks by Options.Workers goroutines; the result does
// not depend on their number.
func (im *Importer) Read(name string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); bytes.Equal(magic, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		defer zr.Close()
		body := &gzipBody{r: zr}
		err = im.read(name, body)
		if body.truncated {
			// Like a truncated line: what came before is kept, and the loss is reported.
			im.truncated = append(im.truncated, name)
		}
		return err
	}
	return im.read(name, br)
}

// gzipBody ends a compressed stream that stops before its gzip trailer (a truncated file) as
// if it ended there, and notes it: the records before the cut are read, the loss reported.
type gzipBody struct {
	r         io.Reader
	truncated bool
}

func (g *gzipBody) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		g.truncated = true
		err = io.EOF
	}
	return n, err
}

type job struct {
	idx     int
	data    []byte
	buf     *[]byte
	tooLong []byte // an over-long line's start (data is nil)
}

type result struct {
	idx int
	res *chunkResult
	buf *[]byte
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, chunkSize+MaxLineLength); return &b }}

func (im *Importer) read(name string, r io.Reader) error {
	im.inputs = append(im.inputs, name)
	defer im.endInput()
	jobs := make(chan job, im.opts.Workers)
	results := make(chan result, im.opts.Workers)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < im.opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rec Record
			for j := range jobs {
				var res *chunkResult
				if j.data != nil {
					res = im.parseChunk(j.data, &rec)
				} else {
					res = tooLongResult(j.tooLong)
				}
				results <- result{idx: j.idx, res: res, buf: j.buf}
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		readErr <- splitChunks(r, jobs, stop)
		close(jobs)
		wg.Wait()
		close(results)
	}()
	err := im.collect(name, results)
	if err != nil {
		// Stop the reader and let the workers finish in the background: the reader may be
		// blocked on an input that never ends (a pipe), which must not hold up the error.
		close(stop)
		go func() {
			for range results {
			}
			<-readErr
		}()
		return err
	}
	if err := <-readErr; err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// collect merges chunk results in input order.
func (im *Importer) collect(name string, results <-chan result) error {
	pending := map[int]result{}
	next := 0
	var lineBase int64
	for res := range results {
		pending[res.idx] = res
		for {
			cur, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if err := im.merge(name, lineBase, cur.res); err != nil {
				return err
			}
			lineBase += cur.res.lines
			if cur.buf != nil {
				bufPool.Put(cur.buf)
			}
		}
	}
	return nil
}

// endInput counts the serial numbers missing in the input just read. Inputs are counted
// apart: two files may come from different machines.
func (im *Importer) endInput() {
	n, g := im.serials.missing()
	im.missing += n
	im.gaps += g
	im.serialOverflow = im.serialOverflow || im.serials.overflow
	im.serials = serialSet{}
}

// splitChunks reads r into chunks that end at a line end and sends them as jobs.
func splitChunks(r io.Reader, jobs chan<- job, stop <-chan struct{}) error {
	idx := 0
	var carry []byte
	skipping := false // inside an over-long line
	for {
		bp := bufPool.Get().(*[]byte)
		buf := (*bp)[:cap(*bp)]
		n := copy(buf, carry)
		m, err := io.ReadFull(r, buf[n:n+chunkSize])
		n += m
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			return err
		}
		data := buf[:n]
		cut := bytes.LastIndexByte(data, '\n') + 1
		if eof {
			cut = n
		}
		if skipping {
			// drop the rest of an over-long line
			i := bytes.IndexByte(data, '\n')
			if i < 0 && !eof {
				carry = carry[:0]
				bufPool.Put(bp)
				continue
			}
			if i < 0 {
				i = n - 1
			}
			skipping = false
			data = data[i+1:]
			cut -= i + 1
			if cut < 0 {
				cut = 0
			}
		}
		carry = append(carry[:0], data[cut:]...)
		data = data[:cut]
		if len(carry) > MaxLineLength {
			// no line end within MaxLineLength bytes: report and skip the line
			sendJob(jobs, stop, job{idx: idx, data: data, buf: bp})
			idx++
			sendJob(jobs, stop, job{idx: idx, tooLong: append([]byte(nil), carry[:80]...)})
			idx++
			carry = carry[:0]
			skipping = true
		} else if len(data) > 0 {
			if !sendJob(jobs, stop, job{idx: idx, data: data, buf: bp}) {
				return nil
			}
			idx++
		} else {
			bufPool.Put(bp)
		}
		if eof {
			return nil
		}
	}
}

func sendJob(jobs chan<- job, stop <-chan struct{}, j job) bool {
	select {
	case jobs <- j:
		return true
	case <-stop:
		return false
	}
}

// trimText returns the start of a bad line for a report, printable.
func trimText(b []byte) string {
	if len(b) > 80 {
		b = b[:80]
	}
	return strings.ToValidUTF8(strings.Map(func(r rune) rune {
		if r < 0x20 {
			return '?'
		}
		return r
	}, string(b)), "?")
}
