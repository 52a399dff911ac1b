package auditlog

import "bytes"

var bPidField = []byte(" pid=")

// seqFields reads a record body field by field in an expected order, each value parsed where
// it stands. Any departure from the order makes a step fail; the caller then falls back to
// the general field scanner.
type seqFields struct {
	s []byte
	i int
}

// lit consumes p if the body continues with it.
func (q *seqFields) lit(p string) bool {
	if len(q.s)-q.i < len(p) || string(q.s[q.i:q.i+len(p)]) != p {
		return false
	}
	q.i += len(p)
	return true
}

// dec consumes a decimal number of up to 19 digits, with a '-' if signed.
func (q *seqFields) dec(signed bool) (int64, bool) {
	neg := false
	if signed && q.i < len(q.s) && q.s[q.i] == '-' {
		neg = true
		q.i++
	}
	s, i := q.s, q.i
	var n int64
	for i < len(s) {
		d := s[i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + int64(d)
		i++
	}
	ok := i > q.i && i-q.i <= 18
	q.i = i
	if !ok {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// hexVal is the value of each hex digit, 0xff for other bytes.
var hexVal = func() (t [256]byte) {
	for c := range 256 {
		d, ok := hexDigit(byte(c))
		if !ok {
			d = 0xff
		}
		t[c] = d
	}
	return t
}()

// hex consumes up to 16 lower- or upper-case hex digits.
func (q *seqFields) hex() (uint64, bool) {
	s, i := q.s, q.i
	var n uint64
	for i < len(s) {
		d := hexVal[s[i]]
		if d > 15 {
			break
		}
		n = n<<4 | uint64(d)
		i++
	}
	ok := i > q.i && i-q.i <= 16
	q.i = i
	return n, ok
}

// skipHex consumes hex digits without reading their value.
func (q *seqFields) skipHex() bool {
	s, i := q.s, q.i
	for i < len(s) && hexVal[s[i]] <= 15 {
		i++
	}
	ok := i > q.i && i-q.i <= 16
	q.i = i
	return ok
}

// value consumes a comm= or exe= value: in double quotes, or unquoted (hex, or "(null)") up
// to the next space.
func (q *seqFields) value() (val []byte, quoted bool, ok bool) {
	s := q.s
	if q.i < len(s) && s[q.i] == '"' {
		j := bytes.IndexByte(s[q.i+1:], '"')
		if j < 0 {
			return nil, false, false
		}
		val = s[q.i+1 : q.i+1+j]
		if bytes.IndexByte(val, enrichSep) >= 0 {
			return nil, false, false
		}
		q.i += j + 2
		return val, true, true
	}
	if q.i < len(s) && s[q.i] == '\'' {
		return nil, false, false // the general scanner takes single quotes too
	}
	start := q.i
	for q.i < len(s) && byteClass[s[q.i]]&clEnd == 0 {
		q.i++
	}
	return s[start:q.i], false, q.i > start
}

// parseSeccompRaw reads a raw seccomp record body written in the kernel's own field order
// (kernel/auditsc.c audit_seccomp: auid uid gid ses [subj] pid comm exe sig arch syscall
// compat ip code), parsing each value where it stands, which is most of import's work on a
// dense log. It reports false when the body departs from that order (other kernels, edited
// lines, auditd's enrichment glued on without its separator); parseSeccomp then reads it
// with the general scanner, which gives the same fields for every body this accepts
// (FuzzSeccompRawAgrees).
func (r *Record) parseSeccompRaw(body []byte) bool {
	q := seqFields{s: body}
	for q.i < len(q.s) && isSpace(q.s[q.i]) {
		q.i++
	}
	var sc Seccomp
	var ok bool
	var v int64
	if !q.lit("auid=") {
		return false
	}
	if _, ok = q.dec(false); !ok || !q.lit(" uid=") {
		return false
	}
	if v, ok = q.dec(false); !ok || !q.lit(" gid=") {
		return false
	}
	sc.UID = uint64(v)
	if v, ok = q.dec(false); !ok || !q.lit(" ses=") {
		return false
	}
	sc.GID = uint64(v)
	if _, ok = q.dec(false); !ok {
		return false
	}
	if q.lit(" subj=") {
		// An LSM label, which may hold a space and a "(mode)": up to the pid.
		// Quotes, '=' or the separator in it would make the general scanner read
		// otherwise.
		s, i := q.s, q.i
		for ; i < len(s); i++ {
			c := s[i]
			if c == ' ' && bytes.HasPrefix(s[i:], bPidField) {
				break
			}
			if c == enrichSep || c == '"' || c == '\'' || c == '=' {
				return false
			}
		}
		q.i = i
	}
	if !q.lit(" pid=") {
		return false
	}
	if v, ok = q.dec(false); !ok || !q.lit(" comm=") {
		return false
	}
	sc.PID = uint64(v)
	comm, commQuoted, ok := q.value()
	if !ok || !q.lit(" exe=") {
		return false
	}
	exe, exeQuoted, ok := q.value()
	if !ok || !q.lit(" sig=") {
		return false
	}
	if sc.Sig, ok = q.dec(true); !ok || !q.lit(" arch=") {
		return false
	}
	arch, ok := q.hex()
	if !ok || arch > 0xffffffff || !q.lit(" syscall=") {
		return false
	}
	sc.AuditArch = uint32(arch)
	if sc.Nr, ok = q.dec(true); !ok || !q.lit(" compat=") {
		return false
	}
	if q.i+1 >= len(q.s) || q.s[q.i] != '0' && q.s[q.i] != '1' {
		return false
	}
	sc.Compat = q.s[q.i] == '1'
	q.i++
	if !q.lit(" ip=0x") {
		return false
	}
	if !q.skipHex() || !q.lit(" code=0x") {
		return false
	}
	code, ok := q.hex()
	if !ok || code > 0xffffffff {
		return false
	}
	// The record ends here, or auditd's enrichment follows its separator.
	for q.i < len(q.s) && isSpace(q.s[q.i]) {
		q.i++
	}
	if q.i < len(q.s) && q.s[q.i] != enrichSep {
		return false
	}
	sc.Code, sc.CodeKnown = uint32(code), true
	sc.Comm = decodeValue(comm, commQuoted, &r.scratch)
	sc.Exe = decodeValue(exe, exeQuoted, &r.scratch)
	r.Seccomp = sc
	return true
}
