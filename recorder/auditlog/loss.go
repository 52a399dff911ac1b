package auditlog

import "bytes"

// Loss reasons.
const (
	LossCallbacksSuppressed = "callbacks_suppressed"
	LossAuditLost           = "audit_lost"
	LossHoldQueue           = "hold_queue_overflow"
	LossBacklog             = "backlog_limit_exceeded"
	LossRateLimit           = "rate_limit_exceeded"
	LossSerialGap           = "serial_gap"
)

var (
	bCallbacks  = []byte(" callbacks suppressed")
	bAuditLost  = []byte("audit_lost=")
	bHoldQueue  = []byte("kauditd hold queue overflow")
	bBacklog    = []byte("backlog limit exceeded")
	bBacklogCmp = []byte("audit_backlog=")
	bRateLimit  = []byte("rate limit exceeded")
	bAuditWord  = []byte("audit")
)

// parseLoss recognises the kernel's messages that say audit records were dropped:
//
//	kauditd_printk_skb: 428 callbacks suppressed    (console rate limit, no auditd)
//	audit: audit_lost=5 audit_rate_limit=0 audit_backlog_limit=64
//	audit: kauditd hold queue overflow
//	audit: audit_backlog=65 > audit_backlog_limit=64
//	audit: rate limit exceeded
func (r *Record) parseLoss(line []byte) error {
	if !bytes.Contains(line, bAuditWord) {
		return ErrNotRecord
	}
	l := &r.Loss
	switch {
	case bytes.Contains(line, bCallbacks):
		i := bytes.Index(line, bCallbacks)
		j := i
		for j > 0 && line[j-1] >= '0' && line[j-1] <= '9' {
			j--
		}
		n, ok := parseUint(line[j:i])
		if !ok || !bytes.Contains(line[:j], bAuditWord) {
			return ErrNotRecord
		}
		l.Reason, l.Count = LossCallbacksSuppressed, n
	case bytes.Contains(line, bAuditLost):
		i := bytes.Index(line, bAuditLost) + len(bAuditLost)
		j := i
		for j < len(line) && line[j] >= '0' && line[j] <= '9' {
			j++
		}
		n, ok := parseUint(line[i:j])
		if !ok {
			return ErrNotRecord
		}
		l.Reason, l.Count = LossAuditLost, n
	case bytes.Contains(line, bHoldQueue):
		l.Reason, l.Count = LossHoldQueue, 1
	case bytes.Contains(line, bBacklog) || bytes.Contains(line, bBacklogCmp):
		l.Reason, l.Count = LossBacklog, 1
	case bytes.Contains(line, bRateLimit):
		l.Reason, l.Count = LossRateLimit, 1
	default:
		return ErrNotRecord
	}
	r.Kind = KindLoss
	return nil
}
