package auditlog

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
)

// journalEntry holds the fields of a journalctl -o json entry profgen reads. MESSAGE is a
// string, or an array of bytes when it is not valid UTF-8.
type journalEntry struct {
	Message   json.RawMessage `json:"MESSAGE"`
	AuditType string          `json:"_AUDIT_TYPE"`
	AuditID   string          `json:"_AUDIT_ID"`
	SourceRT  string          `json:"_SOURCE_REALTIME_TIMESTAMP"`
	Realtime  string          `json:"__REALTIME_TIMESTAMP"`
}

var bMessageKey = []byte(`"MESSAGE"`)

// parseJSON reads a journald JSON export entry: the message is parsed as a line of its own
// (journald's audit transport writes "SECCOMP auid=..."; its kernel transport writes the
// console form), and the entry's audit fields supply the stamp the message lacks.
func (r *Record) parseJSON(line []byte) error {
	if !bytes.Contains(line, bMessageKey) {
		return ErrNotRecord
	}
	var e journalEntry
	if err := json.Unmarshal(line, &e); err != nil {
		return err
	}
	var msg []byte
	if len(e.Message) > 0 && e.Message[0] == '"' {
		var s string
		if err := json.Unmarshal(e.Message, &s); err != nil {
			return err
		}
		msg = []byte(s)
	} else if len(e.Message) > 0 && e.Message[0] == '[' {
		if err := json.Unmarshal(e.Message, &msg); err != nil {
			return err
		}
	} else {
		return ErrNotRecord
	}
	if len(msg) > MaxLineLength {
		return ErrNotRecord
	}
	if e.AuditType != "" && indexType(msg) < 0 {
		// audit transport: "SECCOMP auid=..." → build the journal short form.
		msg = append([]byte("audit[0]: "), msg...)
	}
	// msg is a fresh buffer that outlives this call, so the record may point into it.
	err := r.Parse(msg)
	r.Form = FormJournalJSON
	if !r.HasStamp && e.AuditID != "" {
		if n, err := strconv.ParseUint(e.AuditID, 10, 64); err == nil {
			r.Serial, r.HasStamp = n, true
			ts := e.SourceRT
			if ts == "" {
				ts = e.Realtime
			}
			if us, err := strconv.ParseInt(ts, 10, 64); err == nil {
				r.Time = time.UnixMicro(us)
			}
		}
	}
	return err
}
