package auditlog

import (
	"bytes"
	"errors"
	"time"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder"
)

// chunkResult is what one chunk of input held; chunks are merged in input order.
type chunkResult struct {
	lines int64
	stats Stats
	// agg receives the chunk's seccomp records as syscall events and its AppArmor records
	// in its recording; chunks' aggregators are merged in input order.
	agg      *recorder.Aggregator
	cur      *Seccomp // the record being added, for agg's ProcessInfo
	procs    map[string]*procAgg
	programs programSet
	// forms and actions count records per line form and per seccomp action; they become
	// Stats.Forms and Stats.Actions when merged, which saves two map updates per record.
	forms   [numForms]uint64
	actions actionCounts
	serials serialSet
	bad     []badLine
	loss    map[string]uint64
	lostMax uint64
	first   time.Time // earliest and latest stamp of the records kept
	last    time.Time
}

type badLine struct {
	line int64 // 1-based within the chunk
	err  error
	text string
}

func newChunkResult() *chunkResult {
	c := &chunkResult{
		procs: map[string]*procAgg{},
		stats: Stats{Forms: map[string]uint64{}, Actions: map[string]uint64{}},
		loss:  map[string]uint64{},
	}
	c.agg = c.newAggregator()
	return c
}

// newAggregator returns an aggregator that takes the calling process from the seccomp record
// being added rather than from /proc: the process is long gone, or another one.
func (c *chunkResult) newAggregator() *recorder.Aggregator {
	a := recorder.NewAggregator(profile.NewRecording("profgen", "auditlog"))
	a.ProcessInfo = func(int) profile.Process {
		return profile.Process{PID: int(c.cur.PID), Comm: string(c.cur.Comm), Exe: string(c.cur.Exe)}
	}
	return a
}

func tooLongResult(start []byte) *chunkResult {
	c := newChunkResult()
	c.lines = 1
	c.stats.Lines = 1
	c.stats.Bad = 1
	c.bad = []badLine{{line: 1, err: ErrTooLong, text: trimText(start)}}
	return c
}

const maxBadPerChunk = 16

// parseChunk parses every line of data. It touches no Importer state but the options.
func (im *Importer) parseChunk(data []byte, rec *Record) *chunkResult {
	c := newChunkResult()
	c.stats.Bytes = uint64(len(data))
	var key []byte
	for len(data) > 0 {
		var line []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			line, data = data, nil
		}
		c.lines++
		err := rec.Parse(line)
		if rec.HasStamp && !isDaemonType(rec.Type) {
			c.serials.add(rec.Serial)
		}
		if err != nil {
			if errors.Is(err, ErrNotRecord) {
				c.stats.Other++
				continue
			}
			c.stats.Bad++
			if len(c.bad) < maxBadPerChunk {
				c.bad = append(c.bad, badLine{line: c.lines, err: err, text: trimText(line)})
			}
			continue
		}
		switch rec.Kind {
		case KindLoss:
			if rec.Loss.Reason == LossAuditLost {
				c.lostMax = max(c.lostMax, rec.Loss.Count)
			} else {
				c.loss[rec.Loss.Reason] += rec.Loss.Count
			}
		case KindSeccomp:
			sc := &rec.Seccomp
			p := c.programs.get(sc.Exe, sc.Comm, false)
			if !im.keepSeccomp(rec, c) {
				c.stats.Filtered++
				p.Filtered++
				continue
			}
			p.Kept++
			if !p.Started && isStartup(sc.ABI, sc.Nr) {
				p.Started = true
			}
			if !sc.CodeKnown || sc.Code&0xffff0000 == retLog {
				p.Logged++
			}
			c.stats.Seccomp++
			c.addSeccomp(rec, im.opts.Summary, &key)
			c.span(rec)
		case KindAppArmor:
			a := &rec.AppArmor
			p := c.programs.get(a.F[AAProfile], a.F[AAComm], true)
			if !im.keepAppArmor(rec, c) {
				c.stats.Filtered++
				p.Filtered++
				continue
			}
			p.Kept++
			c.stats.AppArmor++
			c.addAppArmor(rec, im.opts.Summary)
			c.span(rec)
		}
	}
	c.stats.Lines = uint64(c.lines)
	c.programs.endChunk()
	return c
}

// retLog is SECCOMP_RET_LOG, the action of a log profile.
const retLog = 0x7ffc0000

func (c *chunkResult) span(rec *Record) {
	if !rec.HasStamp || rec.Time.IsZero() {
		return
	}
	if c.first.IsZero() || rec.Time.Before(c.first) {
		c.first = rec.Time
	}
	if rec.Time.After(c.last) {
		c.last = rec.Time
	}
}

func (im *Importer) keepTime(rec *Record, c *chunkResult) bool {
	o := &im.opts
	if o.Since.IsZero() && o.Until.IsZero() {
		return true
	}
	if !rec.HasStamp || rec.Time.IsZero() {
		c.stats.NoTime++
		return true
	}
	if !o.Since.IsZero() && rec.Time.Before(o.Since) {
		return false
	}
	return o.Until.IsZero() || !rec.Time.After(o.Until)
}

func matchAny(v []byte, set []string) bool {
	if len(set) == 0 {
		return true
	}
	for _, s := range set {
		if string(v) == s {
			return true
		}
	}
	return false
}

func (im *Importer) keepSeccomp(rec *Record, c *chunkResult) bool {
	o := &im.opts
	sc := &rec.Seccomp
	if !o.Seccomp || len(o.Profile) > 0 || !matchAny(sc.Comm, o.Comm) || !matchAny(sc.Exe, o.Exe) {
		return false
	}
	if len(o.PID) > 0 {
		found := false
		for _, p := range o.PID {
			found = found || p == sc.PID
		}
		if !found {
			return false
		}
	}
	return im.keepTime(rec, c)
}

func (im *Importer) keepAppArmor(rec *Record, c *chunkResult) bool {
	o := &im.opts
	a := &rec.AppArmor
	if !o.AppArmor || !matchAny(a.F[AAComm], o.Comm) || len(o.Exe) > 0 || !matchAny(a.F[AAProfile], o.Profile) {
		return false
	}
	if len(o.PID) > 0 {
		pid, _ := parseUint(a.F[AAPID])
		found := false
		for _, p := range o.PID {
			found = found || p == pid
		}
		if !found {
			return false
		}
	}
	return im.keepTime(rec, c)
}

func (c *chunkResult) addSeccomp(rec *Record, summary bool, key *[]byte) {
	sc := &rec.Seccomp
	c.cur = sc
	ev := recorder.Event{PID: int(sc.PID), ABI: sc.ABI, Nr: sc.Nr, NoArgs: true}
	c.agg.Syscall(ev)
	c.forms[rec.Form]++
	c.actions.add(sc.Code, sc.CodeKnown)
	if summary {
		p := c.proc(sc.Exe, sc.Comm, key)
		if p.agg == nil {
			p.agg = c.newAggregator()
		}
		p.agg.Syscall(ev)
	}
	c.cur = nil
}

func (c *chunkResult) proc(exe, comm []byte, key *[]byte) *procAgg {
	*key = append(append(append((*key)[:0], exe...), 0), comm...)
	p := c.procs[string(*key)]
	if p == nil {
		p = &procAgg{exe: string(exe), comm: string(comm)}
		c.procs[string(*key)] = p
	}
	return p
}

func (c *chunkResult) addAppArmor(rec *Record, summary bool) {
	a := &rec.AppArmor
	c.forms[rec.Form]++
	if !addAppArmorTo(c.agg.Recording(), a) {
		c.stats.UnusedAppArmor++
	}
	if summary {
		var key []byte
		p := c.proc(a.F[AAProfile], a.F[AAComm], &key)
		if p.aa == nil {
			p.aa = map[string]uint64{}
		}
		p.aa[string(a.F[AAEvent])+" "+string(a.F[AAOperation])]++
	}
}

// merge adds a chunk's result to the importer, in input order.
func (im *Importer) merge(name string, lineBase int64, c *chunkResult) error {
	for _, b := range c.bad {
		bl := BadLine{File: name, Line: lineBase + b.line, Err: b.err, Text: b.text}
		if im.opts.Strict {
			return bl
		}
		if len(im.bad) < im.opts.MaxReported {
			im.bad = append(im.bad, bl)
		}
	}
	st := &im.stats
	st.Bytes += c.stats.Bytes
	st.Lines += c.stats.Lines
	st.Seccomp += c.stats.Seccomp
	st.AppArmor += c.stats.AppArmor
	st.Filtered += c.stats.Filtered
	st.Other += c.stats.Other
	st.Bad += c.stats.Bad
	st.NoTime += c.stats.NoTime
	st.UnusedAppArmor += c.stats.UnusedAppArmor
	for f, n := range c.forms {
		if n > 0 {
			st.Forms[Form(f).String()] += n
		}
	}
	c.actions.addTo(st.Actions)
	im.agg.Merge(c.agg)
	for key, p := range c.procs {
		cur := im.procs[key]
		if cur == nil {
			im.procs[key] = p
			continue
		}
		if p.agg != nil {
			if cur.agg == nil {
				cur.agg = p.agg
			} else {
				cur.agg.Merge(p.agg)
			}
		}
		for k, v := range p.aa {
			if cur.aa == nil {
				cur.aa = map[string]uint64{}
			}
			cur.aa[k] += v
		}
	}
	im.programs.merge(&c.programs)
	im.serials.appendSet(&c.serials)
	for k, v := range c.loss {
		im.loss[k] += v
	}
	im.lostMax = max(im.lostMax, c.lostMax)
	if !c.first.IsZero() && (im.first.IsZero() || c.first.Before(im.first)) {
		im.first = c.first
	}
	if c.last.After(im.last) {
		im.last = c.last
	}
	return nil
}

// isDaemonType reports whether a record type is one auditd writes about itself (DAEMON_START,
// 1200-1299): those carry auditd's own serial numbers, not the kernel's.
func isDaemonType(t []byte) bool {
	return bytes.HasPrefix(t, []byte("DAEMON_")) || len(t) == 4 && t[0] == '1' && t[1] == '2' && t[2] >= '0' && t[2] <= '9' && t[3] >= '0' && t[3] <= '9'
}

// actionCounts counts seccomp records per action code. A log holds few codes, mostly one, so
// a short list with the last one used at hand beats a map.
type actionCounts struct {
	codes  []uint32
	counts []uint64
	last   int
	none   uint64 // records without a code (ausearch -i)
}

func (a *actionCounts) add(code uint32, known bool) {
	if !known {
		a.none++
		return
	}
	if a.last < len(a.codes) && a.codes[a.last] == code {
		a.counts[a.last]++
		return
	}
	for i, c := range a.codes {
		if c == code {
			a.last = i
			a.counts[i]++
			return
		}
	}
	a.last = len(a.codes)
	a.codes = append(a.codes, code)
	a.counts = append(a.counts, 1)
}

// addTo adds the counts to m, keyed by the actions' names.
func (a *actionCounts) addTo(m map[string]uint64) {
	for i, c := range a.codes {
		m[Action(c)] += a.counts[i]
	}
	if a.none > 0 {
		m["(not in record)"] += a.none
	}
}
