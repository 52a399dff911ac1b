package auditlog

import (
	"bytes"
	"encoding/binary"
	"time"
)

// MaxLineLength is the longest line Parse and the Importer read; longer lines are skipped and
// reported, so that no input can exhaust memory. The kernel's audit records are at most
// about 8 KiB (MAX_AUDIT_MESSAGE_LENGTH); journald's JSON export of one adds its fields.
const MaxLineLength = 64 << 10

var (
	bType      = []byte("type=")
	bMsgAudit  = []byte("msg=audit(")
	bAudit     = []byte("audit(")
	bJournal   = []byte("audit[")
	bAppArmorQ = []byte(`apparmor="`)
	bAppArmor  = []byte("apparmor=")
	bKernel    = []byte("kernel:")
	bNode      = []byte("node=")
)

// Parse reads one log line into r. It returns nil for a seccomp or AppArmor record
// (r.Kind says which) and for a loss message (KindLoss); ErrNotRecord (r.Kind is KindOther)
// for any other line, which is not an error in the input; and another error, saying why, for
// a line that looks like a record profgen reads but is malformed or truncated. For lines of
// other audit types that carry a stamp, r.HasStamp and r.Serial are set even though
// ErrNotRecord is returned, so that gaps in the serial numbers can be found.
func (r *Record) Parse(line []byte) error {
	r.Kind, r.Form, r.Type, r.HasStamp, r.Serial, r.Time = KindOther, FormUnknown, nil, false, 0, time.Time{}
	for len(line) > 0 && (line[len(line)-1] == '\n' || line[len(line)-1] == '\r') {
		line = line[:len(line)-1]
	}
	if len(line) == 0 {
		return ErrNotRecord
	}
	if len(line) > MaxLineLength {
		return ErrTooLong
	}
	if cap(r.scratch) < len(line) {
		r.scratch = make([]byte, 0, len(line)+len(line)/2)
	}
	r.scratch = r.scratch[:0]
	if line[0] == '{' {
		return r.parseJSON(line)
	}
	if i := indexType(line); i >= 0 {
		return r.parseTyped(line, i)
	}
	if i := bytes.Index(line, bJournal); i >= 0 {
		if err := r.parseJournal(line, i); err != ErrNotRecord {
			return err
		}
	}
	if bytes.Contains(line, bAppArmorQ) {
		// AppArmor records that userspace (dbus) logs itself, without a stamp.
		if err := checkText(line); err != nil {
			return err
		}
		r.Form = FormSyslog
		return r.parseAppArmor(line, eventFromType(nil))
	}
	return r.parseLoss(line)
}

// indexType finds "type=" at the start of the line or after a space, /dev/kmsg's ';' or
// grep -H's "file:".
func indexType(line []byte) int {
	off := 0
	for {
		i := bytes.Index(line[off:], bType)
		if i < 0 {
			return -1
		}
		i += off
		if i == 0 || line[i-1] == ' ' || line[i-1] == ';' || line[i-1] == ':' {
			return i
		}
		off = i + len(bType)
	}
}

// checkText rejects lines holding NUL or other control bytes (besides tab and auditd's 0x1d).
// It tests eight bytes at a time: a word none of whose bytes is below 0x20 (the common case,
// text) is passed at once, and only a word that holds one is looked at byte by byte.
func checkText(line []byte) error {
	const highs, space = 0x8080808080808080, 0x2020202020202020
	i := 0
	for ; i+8 <= len(line); i += 8 {
		w := binary.LittleEndian.Uint64(line[i:])
		// A byte below 0x20 sets its high bit in w-space where the byte's own is clear; a
		// borrow only ever starts at such a byte, so no word of text is flagged.
		if (w-space)&^w&highs == 0 {
			continue
		}
		if err := checkBytes(line[i : i+8]); err != nil {
			return err
		}
	}
	return checkBytes(line[i:])
}

func checkBytes(b []byte) error {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != enrichSep {
			return ErrBinary
		}
	}
	return nil
}

// parseTyped reads a line whose record starts with type= at i.
func (r *Record) parseTyped(line []byte, i int) error {
	prefix := line[:i]
	rest := line[i+len(bType):]
	j := 0
	for j < len(rest) && rest[j] != ' ' {
		j++
	}
	r.Type = rest[:j]
	rest = rest[j:]
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	kind, event := classifyType(r.Type)
	r.Form = formOfPrefix(prefix)
	var stamp []byte
	switch {
	case bytes.HasPrefix(rest, bMsgAudit):
		stamp = rest[len(bMsgAudit):]
	case bytes.HasPrefix(rest, bAudit):
		stamp = rest[len(bAudit):]
	}
	var body []byte
	var err error
	switch {
	case stamp != nil:
		body, err = r.parseStamp(stamp)
	case kind != KindOther && bytes.LastIndex(prefix, bAudit) >= 0:
		// Kernels before 2.6.24 wrote the stamp first: "audit(...): type=1503 operation=...".
		_, err = r.parseStamp(prefix[bytes.LastIndex(prefix, bAudit)+len(bAudit):])
		body = rest
	default:
		err = ErrNoStamp
	}
	if err != nil {
		if kind == KindOther {
			return ErrNotRecord
		}
		return err
	}
	return r.parseBody(kind, event, body)
}

// parseBody parses the fields of a record whose type has been classified, whatever line
// form carried it.
func (r *Record) parseBody(kind Kind, event []byte, body []byte) error {
	switch kind {
	case KindSeccomp:
		if err := checkText(body); err != nil {
			return err
		}
		return r.parseSeccomp(body)
	case KindAppArmor:
		if !bytes.Contains(body, bAppArmor) && event == nil {
			return ErrNotRecord // SELinux AVC, or another USER_AVC
		}
		if err := checkText(body); err != nil {
			return err
		}
		return r.parseAppArmor(body, event)
	}
	return ErrNotRecord
}

// formOfPrefix names the line form from what precedes "type=".
func formOfPrefix(p []byte) Form {
	switch {
	case len(p) == 0:
		return FormAuditd
	case bytes.Contains(p, bNode):
		return FormAudispd
	case bytes.Contains(p, bKernel):
		return FormSyslog
	case isKmsgPrefix(p):
		return FormKmsg
	case bytes.HasPrefix(p, []byte("audit:")) || p[0] == '[':
		return FormConsole
	}
	return FormSyslog
}

// classifyType says which records of a type= value profgen reads; event is the AppArmor
// event type the type itself implies (old kernels' APPARMOR_DENIED ...).
func classifyType(t []byte) (Kind, []byte) {
	switch string(t) {
	case "1326", "SECCOMP", "AUDIT1326":
		return KindSeccomp, nil
	case "1400", "AVC", "1107", "USER_AVC", "AUDIT1400", "AUDIT1107":
		return KindAppArmor, nil
	case "1501", "APPARMOR_AUDIT", "UNKNOWN[1501]":
		return KindAppArmor, []byte("AUDIT")
	case "1502", "APPARMOR_ALLOWED", "UNKNOWN[1502]":
		return KindAppArmor, []byte("ALLOWED")
	case "1503", "APPARMOR_DENIED", "UNKNOWN[1503]":
		return KindAppArmor, []byte("DENIED")
	case "1504", "APPARMOR_HINT", "UNKNOWN[1504]":
		return KindAppArmor, []byte("HINT")
	case "1505", "APPARMOR_STATUS", "UNKNOWN[1505]":
		return KindAppArmor, []byte("STATUS")
	case "1506", "APPARMOR_ERROR", "UNKNOWN[1506]":
		return KindAppArmor, []byte("ERROR")
	case "1507", "APPARMOR_KILL", "UNKNOWN[1507]":
		return KindAppArmor, []byte("KILL")
	}
	return KindOther, nil
}

func eventFromType(t []byte) []byte {
	_, ev := classifyType(t)
	return ev
}

// parseStamp reads "SECONDS.MILLIS:SERIAL):" (raw) or "MM/DD/YY HH:MM:SS.mmm:SERIAL) :"
// (ausearch -i, local time) and returns the body after it.
func (r *Record) parseStamp(s []byte) ([]byte, error) {
	if body, ok := r.parseRawStamp(s); ok {
		return body, nil
	}
	return r.parseStampFields(s)
}

// parseStampFields is parseStamp for every form of the stamp.
func (r *Record) parseStampFields(s []byte) ([]byte, error) {
	end := bytes.IndexByte(s, ')')
	if end < 0 || end > 64 {
		return nil, ErrBadStamp
	}
	st := s[:end]
	body := s[end+1:]
	colon := bytes.LastIndexByte(st, ':')
	if colon < 0 {
		return nil, ErrBadStamp
	}
	serial, ok := parseUint(st[colon+1:])
	if !ok {
		return nil, ErrBadStamp
	}
	ts := st[:colon]
	if bytes.IndexByte(ts, '/') >= 0 {
		t, err := parseInterpretedTime(ts)
		if err != nil {
			return nil, ErrBadStamp
		}
		r.Time = t
		r.Form = FormInterpreted
	} else {
		dot := bytes.IndexByte(ts, '.')
		if dot < 0 {
			return nil, ErrBadStamp
		}
		sec, ok1 := parseUint(ts[:dot])
		ms, ok2 := parseUint(ts[dot+1:])
		if !ok1 || !ok2 || sec > 1<<40 || ms > 999999999 {
			return nil, ErrBadStamp
		}
		for d := len(ts) - dot - 1; d < 9; d++ {
			ms *= 10
		}
		r.Time = time.Unix(int64(sec), int64(ms))
	}
	r.Serial = serial
	r.HasStamp = true
	if len(body) > 0 && body[0] == ':' {
		body = body[1:]
	} else if len(body) > 1 && body[0] == ' ' && body[1] == ':' {
		body = body[2:]
	}
	return body, nil
}

// parseRawStamp reads the kernel's own "SECONDS.MILLIS:SERIAL):" in one pass, as parseStamp
// would; it reports false, having changed nothing, for any other form.
func (r *Record) parseRawStamp(s []byte) ([]byte, bool) {
	var sec, frac, serial uint64
	i := 0
	for ; i < len(s) && i < 19; i++ {
		d := s[i] - '0'
		if d > 9 {
			break
		}
		sec = sec*10 + uint64(d)
	}
	if i == 0 || i >= len(s) || s[i] != '.' || sec > 1<<40 {
		return nil, false
	}
	i++
	start := i
	for ; i < len(s) && i-start < 9; i++ {
		d := s[i] - '0'
		if d > 9 {
			break
		}
		frac = frac*10 + uint64(d)
	}
	digits := i - start
	if digits == 0 || i >= len(s) || s[i] != ':' {
		return nil, false
	}
	i++
	start = i
	for ; i < len(s) && i-start < 19; i++ {
		d := s[i] - '0'
		if d > 9 {
			break
		}
		serial = serial*10 + uint64(d)
	}
	if i == start || i >= len(s) || s[i] != ')' {
		return nil, false
	}
	for ; digits < 9; digits++ {
		frac *= 10
	}
	r.Time = time.Unix(int64(sec), int64(frac))
	r.Serial = serial
	r.HasStamp = true
	body := s[i+1:]
	if len(body) > 0 && body[0] == ':' {
		body = body[1:]
	} else if len(body) > 1 && body[0] == ' ' && body[1] == ':' {
		body = body[2:]
	}
	return body, true
}

// parseInterpretedTime reads ausearch -i's local time stamp; the year has 2 or 4 digits.
func parseInterpretedTime(ts []byte) (time.Time, error) {
	layouts := [...]string{"01/02/06 15:04:05.000", "01/02/2006 15:04:05.000", "01/02/06 15:04:05", "01/02/2006 15:04:05"}
	var err error
	for _, l := range layouts {
		var t time.Time
		if t, err = time.ParseInLocation(l, string(ts), time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// parseJournal reads journalctl's short form: "... audit[PID]: SECCOMP auid=...".
func (r *Record) parseJournal(line []byte, i int) error {
	rest := line[i+len(bJournal):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	if j == 0 || !bytes.HasPrefix(rest[j:], []byte("]: ")) {
		return ErrNotRecord
	}
	rest = rest[j+3:]
	k := 0
	for k < len(rest) && (rest[k] >= 'A' && rest[k] <= 'Z' || rest[k] == '_' || rest[k] >= '0' && rest[k] <= '9') {
		k++
	}
	if k == 0 || k < len(rest) && rest[k] != ' ' {
		return ErrNotRecord
	}
	r.Type = rest[:k]
	r.Form = FormJournal
	body := rest[k:]
	kind, event := classifyType(r.Type)
	return r.parseBody(kind, event, body)
}

// isKmsgPrefix recognises /dev/kmsg's "PRIORITY,SEQ,USEC,FLAGS;" record header.
func isKmsgPrefix(p []byte) bool {
	i := bytes.IndexByte(p, ';')
	return i > 0 && p[0] >= '0' && p[0] <= '9' && bytes.Count(p[:i], []byte{','}) >= 3
}
