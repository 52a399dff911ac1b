package auditlog

// field scanning of the key=value bodies audit records carry. The scanner works on the line's
// bytes in place and never allocates.

// enrichSep is the byte auditd puts between the kernel's record and its own interpreted
// fields (AUID="unset" UID="root" ... SYSCALL=...).
const enrichSep = 0x1d

// fieldScanner walks the key=value fields of a record body.
type fieldScanner struct {
	s   []byte
	pos int
}

// field is one key=value pair: val is the raw value without quotes; quoted says the value was
// in double quotes (hex-encoded values are never quoted).
type field struct {
	key, val []byte
	quoted   bool
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// Byte classes of the scanner, looked up in one table instead of compared range by range.
const (
	clSpace = 1 << iota // space or tab
	clKey               // may be part of a key
	clEnd               // ends an unquoted value: space, tab, the enrichment separator
)

var byteClass = func() (t [256]uint8) {
	for c := range 256 {
		if isSpace(byte(c)) {
			t[c] |= clSpace | clEnd
		}
		if isKeyByte(byte(c)) {
			t[c] |= clKey
		}
	}
	t[enrichSep] |= clEnd
	return t
}()

// next reads the next field into f and reports whether there was one. Words without '=' (journald's "SECCOMP", SELinux's "avc:") are
// skipped, except a "(word)" right after an unquoted value, which continues it: AppArmor
// labels appear as subj==untrusted (complain). Scanning stops at auditd's enrichment separator.
func (fs *fieldScanner) next(f *field) bool {
	s := fs.s
	i := fs.pos
	for {
		for i < len(s) && byteClass[s[i]]&clSpace != 0 {
			i++
		}
		if i >= len(s) || s[i] == enrichSep {
			fs.pos = len(s)
			return false
		}
		k := i
		for i < len(s) && byteClass[s[i]]&clKey != 0 {
			i++
		}
		if i < len(s) && s[i] == '=' && i > k {
			f.key = s[k:i]
			i++
			break
		}
		// not a key: skip the word
		for i < len(s) && byteClass[s[i]]&clEnd == 0 {
			i++
		}
	}
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		q := s[i]
		i++
		j := i
		for j < len(s) && s[j] != q && s[j] != enrichSep {
			j++
		}
		f.val = s[i:j]
		f.quoted = true
		if j < len(s) && s[j] == q {
			j++
		}
		fs.pos = j
		return true
	}
	j := i
	for j < len(s) && byteClass[s[j]]&clEnd == 0 {
		j++
	}
	// Words that follow without '=' belong to this value.
	for j < len(s) && s[j] != enrichSep {
		k := j
		for k < len(s) && byteClass[s[k]]&clSpace != 0 {
			k++
		}
		if k >= len(s) || s[k] != '(' {
			break
		}
		w := k
		for w < len(s) && byteClass[s[w]]&clEnd == 0 && s[w] != '=' {
			w++
		}
		if w < len(s) && s[w] == '=' {
			break
		}
		j = w
	}
	f.val = s[i:j]
	f.quoted = false
	fs.pos = j
	return true
}

// parseUint parses a decimal number; ok is false for anything else or on overflow.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	var n uint64
	if len(b) < 20 {
		// At most 19 digits: below 10^19, which cannot overflow.
		for _, c := range b {
			d := c - '0'
			if d > 9 {
				return 0, false
			}
			n = n*10 + uint64(d)
		}
		return n, true
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (1<<64-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// parseInt parses a decimal number with an optional sign.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	u, ok := parseUint(b)
	if !ok || u > 1<<63 || (!neg && u == 1<<63) {
		return 0, false
	}
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}

// parseHex parses hex digits, with or without 0x.
func parseHex(b []byte) (uint64, bool) {
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		b = b[2:]
	}
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		d, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		n = n<<4 | uint64(d)
	}
	return n, true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// decodeValue returns an unquoted value as the kernel meant it: audit_log_untrustedstring
// writes a value that holds a space, quote or control byte as upper-case hex without quotes.
// Decoded bytes are appended to *scratch, whose capacity the caller sized so that it never
// grows (earlier values stay valid).
func decodeValue(val []byte, quoted bool, scratch *[]byte) []byte {
	if quoted || len(val) < 2 || len(val)%2 != 0 {
		return val
	}
	for _, c := range val {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return val
		}
	}
	if cap(*scratch)-len(*scratch) < len(val)/2 {
		return val
	}
	start := len(*scratch)
	for i := 0; i < len(val); i += 2 {
		hi, _ := hexDigit(val[i])
		lo, _ := hexDigit(val[i+1])
		*scratch = append(*scratch, hi<<4|lo)
	}
	return (*scratch)[start:]
}
