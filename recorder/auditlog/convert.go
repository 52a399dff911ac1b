package auditlog

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// addAppArmorTo adds what an AppArmor record says the workload needs to rec: a file access,
// a capability, a socket, or a signal/ptrace/unix/mount/dbus rule. It reports false for
// records that give none (status messages, hints, other classes).
func addAppArmorTo(rec *profile.Recording, a *AppArmor) bool {
	switch string(a.F[AAEvent]) {
	case "DENIED", "ALLOWED", "AUDIT":
	default:
		return false
	}
	op := string(a.F[AAOperation])
	class := string(a.F[AAClass])
	p := profile.Process{Comm: string(a.F[AAComm])}
	if pid, ok := parseUint(a.F[AAPID]); ok {
		p.PID = int(pid)
	}
	mask := a.F[AAMask]
	if mask == nil {
		mask = a.F[AADeniedMask]
	}
	switch {
	case op == "capable" || class == "cap":
		if len(a.F[AAName]) == 0 {
			return false
		}
		rec.AddCapability(string(a.F[AAName]))
	case op == "signal" || class == "signal":
		rec.AddAppArmorRule(rule("signal", a, AAMask, AASignal, AAPeer))
	case op == "ptrace" || class == "ptrace":
		rec.AddAppArmorRule(rule("ptrace", a, AAMask, AAPeer))
	case strings.HasPrefix(op, "dbus_") || class == "dbus":
		rec.AddAppArmorRule(rule("dbus", a, AADeniedMask, AADBusBus, AADBusPath, AADBusInterface, AADBusMember, AAName, AAPeerProfile))
	case op == "mount" || op == "umount" || op == "pivotroot" || op == "remount" || class == "mount":
		r := rule("mount", a, AAFSType, AAFlags, AASrcName, AAName)
		r.Fields["operation"] = op
		rec.AddAppArmorRule(r)
	case string(a.F[AAFamily]) == "unix":
		r := rule("unix", a, AAMask, AASockType, AANetAddr, AAPeerAddr, AAPeer)
		r.Fields["operation"] = op
		rec.AddAppArmorRule(r)
		rec.AddSocket(socket(a))
	case len(a.F[AAFamily]) > 0:
		rec.AddSocket(socket(a))
	case (class == "" || class == "file") && len(a.F[AAName]) > 0 && a.F[AAName][0] == '/':
		letters := fileLetters(mask)
		if letters == "" {
			return false
		}
		rec.AddFile(string(a.F[AAName]), letters, p)
	default:
		return false
	}
	return true
}

var aaFieldNames = map[AAField]string{
	AAMask: "mask", AADeniedMask: "mask", AASignal: "signal", AAPeer: "peer", AADBusBus: "bus",
	AADBusPath: "path", AADBusInterface: "interface", AADBusMember: "member", AAName: "name",
	AAPeerProfile: "peer_label", AAFSType: "fstype", AAFlags: "flags", AASrcName: "srcname",
	AASockType: "type", AANetAddr: "addr", AAPeerAddr: "peer_addr",
}

func rule(class string, a *AppArmor, fields ...AAField) profile.AppArmorRule {
	r := profile.AppArmorRule{Class: class, Fields: map[string]string{}}
	for _, f := range fields {
		v := a.F[f]
		if f == AAMask && len(v) == 0 {
			v = a.F[AADeniedMask] // records without requested_mask
		}
		if len(v) > 0 {
			r.Fields[aaFieldNames[f]] = string(v)
		}
	}
	return r
}

func socket(a *AppArmor) profile.Socket {
	s := profile.Socket{Family: string(a.F[AAFamily]), Type: string(a.F[AASockType])}
	if n, err := strconv.Atoi(string(a.F[AAProtocol])); err == nil {
		s.Protocol = n
	}
	return s
}

// fileLetters keeps the file permission letters of an AppArmor mask ("r", "wc::", "xm").
// Masks of the old owner::other form count the owner part.
func fileLetters(mask []byte) string {
	if i := strings.Index(string(mask), "::"); i >= 0 {
		mask = mask[:i]
	}
	return profile.MergeAccess("", string(mask))
}

// Recording returns the recording built from everything read: syscalls named on their own
// ABI (unknown numbers kept as decimal), AppArmor accesses, the inputs, and the loss counts
// and warnings.
func (im *Importer) Recording() *profile.Recording {
	rec := im.agg.Snapshot()
	rec.Source.Warnings = nil
	rec.Source.Inputs = append([]string(nil), im.inputs...)
	rec.Source.Start, rec.Source.End = im.first.UTC(), im.last.UTC()
	if im.first.IsZero() {
		rec.Source.Start, rec.Source.End = time.Time{}, time.Time{}
	}
	im.stats.UnknownSyscalls = 0
	var unknown []string
	for abi, m := range rec.Syscalls {
		for name, s := range m {
			if unnamed(name) {
				im.stats.UnknownSyscalls += s.Count
				unknown = append(unknown, fmt.Sprintf("%s %s", abi, name))
			}
		}
	}
	sort.Strings(unknown)
	if len(unknown) > 0 {
		rec.Source.Warnings = append(rec.Source.Warnings, fmt.Sprintf(
			"%d syscall number(s) have no name in profgen's tables (kept as numbers): %s", len(unknown), strings.Join(unknown, ", ")))
	}
	for _, name := range im.truncated {
		rec.Source.Warnings = append(rec.Source.Warnings, fmt.Sprintf(
			"%s: the gzip-compressed input ends early (a truncated file): the records after the cut are missing", name))
	}
	im.lossWarnings(rec)
	rec.Source.Warnings = append(rec.Source.Warnings, im.notStartedWarnings()...)
	return rec
}

// unnamed reports whether a recorded syscall name is a number: the tables have no name for
// it on its ABI.
func unnamed(name string) bool {
	_, err := strconv.ParseInt(name, 10, 64)
	return err == nil
}

// advice says how to collect audit records without loss.
const advice = "the profile may be incomplete; collect records with auditd running (auditctl -b 8192) " +
	"and import /var/log/audit/audit.log (see README, \"Lost records\")"

func (im *Importer) lossWarnings(rec *profile.Recording) {
	w := func(format string, args ...any) {
		rec.Source.Warnings = append(rec.Source.Warnings, fmt.Sprintf(format, args...)+": "+advice)
	}
	if n := im.loss[LossCallbacksSuppressed]; n > 0 {
		rec.AddDropped(LossCallbacksSuppressed, n)
		w("the kernel's console rate limit dropped %d audit messages (\"callbacks suppressed\")", n)
	}
	if im.lostMax > 0 {
		rec.AddDropped(LossAuditLost, im.lostMax)
		w("the kernel reports audit_lost=%d (records it could not queue)", im.lostMax)
	}
	for _, k := range []string{LossHoldQueue, LossBacklog, LossRateLimit} {
		if n := im.loss[k]; n > 0 {
			rec.AddDropped(k, n)
			w("the kernel logged %d %q message(s)", n, strings.ReplaceAll(k, "_", " "))
		}
	}
	if n, gaps := im.missing, im.gaps; n > 0 {
		rec.AddDropped(LossSerialGap, n)
		least := ""
		if im.serialOverflow {
			least = "at least "
		}
		w("%s%d audit serial numbers are missing in %d gap(s): records were lost, or the input was filtered", least, n, gaps)
	}
}

// Summary returns, per program (exe or AppArmor profile, and comm), what it was seen doing,
// sorted by exe then comm. It is empty unless Options.Summary was set.
func (im *Importer) Summary() []ProcessSummary {
	out := make([]ProcessSummary, 0, len(im.procs))
	for _, p := range im.procs {
		ps := ProcessSummary{Exe: p.exe, Comm: p.comm, AppArmor: p.aa}
		if p.agg != nil {
			ps.Syscalls = map[syscalls.ABI]map[string]uint64{}
			for abi, m := range p.agg.Snapshot().Syscalls {
				counts := map[string]uint64{}
				for name, s := range m {
					counts[name] = s.Count
				}
				ps.Syscalls[abi] = counts
			}
		}
		out = append(out, ps)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Exe != out[j].Exe {
			return out[i].Exe < out[j].Exe
		}
		return out[i].Comm < out[j].Comm
	})
	return out
}
