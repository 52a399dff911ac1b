package auditlog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// Follow imports the file at path, then keeps reading what is appended to it until ctx is
// done, like tail -F: when the log is rotated (a new file at path) or truncated, the rest of
// the old file is read and the new one is followed from its start. Partial last lines wait
// for their end. When ctx is done, what was written until then is still read (through a
// rotation too), and the last line is read as it is.
func (im *Importer) Follow(ctx context.Context, path string, poll time.Duration) error {
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("follow %s: %w", path, err)
	}
	defer func() { f.Close() }()
	im.inputs = append(im.inputs, path)
	defer im.endInput()
	var rec Record
	var carry []byte
	var lineBase int64
	buf := make([]byte, 1<<20)
	stopping := false
	feed := func(data []byte, final bool) error {
		carry = append(carry, data...)
		cut := bytes.LastIndexByte(carry, '\n') + 1
		if final {
			cut = len(carry)
		}
		if cut == 0 && len(carry) > MaxLineLength {
			cut = len(carry) // an over-long line: parse reports it
		}
		if cut == 0 {
			return nil
		}
		res := im.parseChunk(carry[:cut], &rec)
		if err := im.merge(path, lineBase, res); err != nil {
			return err
		}
		lineBase += res.lines
		carry = append(carry[:0], carry[cut:]...)
		return nil
	}
	for {
		n, err := f.Read(buf)
		if n > 0 {
			if err := feed(buf[:n], false); err != nil {
				return err
			}
			continue
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("follow %s: %w", path, err)
		}
		if rotated(f, path) {
			if err := feed(nil, true); err != nil {
				return err
			}
			nf, err := os.Open(path)
			if err == nil {
				f.Close()
				f = nf
				continue
			}
		}
		if stopping {
			return feed(nil, true)
		}
		select {
		case <-ctx.Done():
			stopping = true // read to the end once more
		case <-time.After(poll):
		}
	}
}

// rotated reports whether path now names another file than f, or f was truncated.
func rotated(f *os.File, path string) bool {
	cur, err1 := f.Stat()
	now, err2 := os.Stat(path)
	if err1 != nil || err2 != nil {
		return false
	}
	if !os.SameFile(cur, now) {
		return true
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err == nil && now.Size() < off {
		f.Seek(0, io.SeekStart)
	}
	return false
}
