package auditlog

import "bytes"

// AAField names a field of an AppArmor record, as libapparmor's aa_log_record has them.
type AAField uint8

// The AppArmor record fields. Several record keys fill one field, as in libapparmor:
// requested_mask/requested → Mask; denied_mask/denied/mask → DeniedMask; profile/label →
// Profile; peer_profile/peer_label/tcontext → PeerProfile; name/capname → Name;
// name2/target → Name2; comm/exe → Comm; method/member → DBusMember.
const (
	AAEvent AAField = iota // DENIED, ALLOWED, AUDIT, STATUS, HINT, ERROR, KILL
	AAOperation
	AAMask
	AADeniedMask
	AAFSUID
	AAOUID
	AAProfile
	AAPeerProfile
	AAPeer
	AAName
	AAComm
	AAName2
	AANamespace
	AAAttribute
	AATask
	AAParent
	AAToken
	AAInfo
	AAError
	AAPID
	AAPeerPID
	AAPeerAddr
	AANetAddr
	AAFamily
	AASockType
	AAProtocol
	AALocalAddr
	AAForeignAddr
	AALocalPort
	AAForeignPort
	AADBusBus
	AADBusPath
	AADBusInterface
	AADBusMember
	AASignal
	AAFSType
	AAFlags
	AASrcName
	AAClass
	AAExecPath
	AACapability // the capability= number
	aaFieldCount
)

// AppArmor holds the fields of an AppArmor record; a field is nil when the record lacks it.
// Numeric fields are kept as written and checked to be numbers.
type AppArmor struct {
	F [aaFieldCount][]byte
}

// aaKeys maps record keys to fields; hex says the kernel hex-encodes the value when it holds
// a space or quote (audit_log_untrustedstring), num that the value must be a number.
var aaKeys = map[string]struct {
	f        AAField
	hex, num bool
}{
	"apparmor": {f: AAEvent}, "operation": {f: AAOperation},
	"requested_mask": {f: AAMask}, "requested": {f: AAMask},
	"denied_mask": {f: AADeniedMask}, "denied": {f: AADeniedMask}, "mask": {f: AADeniedMask},
	"fsuid": {f: AAFSUID, num: true}, "ouid": {f: AAOUID, num: true},
	"profile": {f: AAProfile, hex: true}, "label": {f: AAProfile, hex: true},
	"peer_profile": {f: AAPeerProfile, hex: true}, "peer_label": {f: AAPeerProfile, hex: true}, "tcontext": {f: AAPeerProfile, hex: true},
	"peer": {f: AAPeer, hex: true},
	"name": {f: AAName, hex: true}, "capname": {f: AAName},
	"comm": {f: AAComm, hex: true}, "exe": {f: AAComm, hex: true},
	"name2": {f: AAName2, hex: true}, "target": {f: AAName2, hex: true},
	"namespace": {f: AANamespace, hex: true}, "attribute": {f: AAAttribute},
	"task": {f: AATask, num: true}, "parent": {f: AAParent, num: true}, "magic_token": {f: AAToken, num: true},
	"info": {f: AAInfo}, "error": {f: AAError, num: true},
	"pid": {f: AAPID, num: true}, "peer_pid": {f: AAPeerPID, num: true},
	"peer_addr": {f: AAPeerAddr, hex: true}, "addr": {f: AANetAddr, hex: true},
	"family": {f: AAFamily}, "sock_type": {f: AASockType}, "protocol": {f: AAProtocol},
	"laddr": {f: AALocalAddr}, "faddr": {f: AAForeignAddr}, "saddr": {f: AALocalAddr}, "daddr": {f: AAForeignAddr},
	"lport": {f: AALocalPort, num: true}, "fport": {f: AAForeignPort, num: true},
	"src": {f: AALocalPort, num: true}, "dest": {f: AAForeignPort, num: true},
	"bus": {f: AADBusBus}, "path": {f: AADBusPath, hex: true}, "interface": {f: AADBusInterface}, "member": {f: AADBusMember}, "method": {f: AADBusMember},
	"signal": {f: AASignal}, "fstype": {f: AAFSType}, "flags": {f: AAFlags}, "srcname": {f: AASrcName, hex: true},
	"class": {f: AAClass}, "execpath": {f: AAExecPath, hex: true}, "capability": {f: AACapability, num: true},
}

var bMsg = []byte("msg")

// parseAppArmor reads an AppArmor record body. event is the event type implied by the record
// type (old kernels), nil when the apparmor= field must say it.
func (r *Record) parseAppArmor(body []byte, event []byte) error {
	a := &r.AppArmor
	*a = AppArmor{}
	if err := r.aaFields(body, 0); err != nil {
		return err
	}
	if a.F[AAEvent] == nil {
		a.F[AAEvent] = event
	}
	if a.F[AAEvent] == nil {
		return missing("apparmor")
	}
	r.Kind = KindAppArmor
	return nil
}

// aaFields reads the fields of body into r.AppArmor. A USER_AVC record wraps the AppArmor
// fields in msg='...'; the wrapper's own fields (the dbus daemon's pid, uid ...) are not the
// record's and are dropped.
func (r *Record) aaFields(body []byte, depth int) error {
	a := &r.AppArmor
	fs := fieldScanner{s: body}
	var f field
	for fs.next(&f) {
		if depth == 0 && bytes.Equal(f.key, bMsg) && f.quoted {
			*a = AppArmor{}
			return r.aaFields(f.val, 1)
		}
		k, known := aaKeys[string(f.key)]
		if !known {
			continue
		}
		v := f.val
		if len(v) == 1 && v[0] == '?' || (k.f == AANetAddr || k.f == AAPeerAddr) && string(v) == "none" {
			continue // "no value", as userspace and the kernel write it
		}
		if k.hex {
			v = decodeValue(v, f.quoted, &r.scratch)
		}
		if k.num {
			if _, ok := parseInt(v); !ok {
				return bad(string(f.key), f.val)
			}
		}
		if k.f == AAComm && a.F[AAComm] != nil && string(f.key) == "exe" {
			continue // comm wins over exe
		}
		a.F[k.f] = v
	}
	return nil
}
