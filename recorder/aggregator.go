package recorder

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// Event is one syscall a source saw: the event every source (ptrace, audit log, eBPF)
// produces and hands to the Aggregator (Aggregator.Syscall, or Aggregator.Syscalls for a
// total counted in the kernel). File accesses go to Aggregator.File.
type Event struct {
	PID  int          // thread group (process) that made the call
	ABI  syscalls.ABI // ABI the call was made on
	Nr   int64        // number on that ABI, offsets included (x32's 0x40000000)
	Args [6]uint64    // raw argument registers
	// NoArgs says the source does not see the arguments (an audit record carries none):
	// Args is then ignored and no argument values are recorded for the call.
	NoArgs bool
}

type callKey struct {
	abi syscalls.ABI
	nr  int64
}

type recentCall struct {
	abi syscalls.ABI
	nr  int64
	s   *callStat
}

type callStat struct {
	count   uint64
	first   profile.Process
	name    string
	hasArgs bool
}

// Aggregator is the one sink of every source: it folds syscall Events and file accesses into
// counters per (ABI, number) and, at the end, into a profile.Recording. It keeps no list of
// events, so memory stays flat however long the workload runs. It is not safe for
// concurrent use: one goroutine feeds it; a source that parses in parallel gives each worker
// an Aggregator of its own and merges them in order with Merge.
//
// The API a source uses: NewAggregator, Syscall, File, Recording (for what is not a syscall
// or a file: dropped-event counts, capabilities, AppArmor rules), then Finish or Snapshot.
type Aggregator struct {
	rec   *profile.Recording
	calls map[callKey]*callStat
	// recent holds the stats of calls counted lately, by number: a source's calls are few
	// and repeat, so most events find theirs here without hashing into calls.
	recent [64]recentCall
	// ProcessInfo describes a process the first time it makes a new syscall or touches a new
	// file; it defaults to ProcProcess, reading /proc. A source that knows the process
	// itself (an audit record names comm and exe) sets a function that returns it.
	ProcessInfo func(pid int) profile.Process
}

// NewAggregator returns an aggregator that fills rec.
func NewAggregator(rec *profile.Recording) *Aggregator {
	return &Aggregator{rec: rec, calls: map[callKey]*callStat{}, ProcessInfo: ProcProcess}
}

// Syscall counts the one call ev and records the argument values that rules are written on.
func (a *Aggregator) Syscall(ev Event) { a.Syscalls(ev, 1) }

// Syscalls counts n calls made with the same arguments, for a source that counts in the
// kernel (the eBPF recorder) and hands over its totals at the end. n == 0 counts nothing.
func (a *Aggregator) Syscalls(ev Event, n uint64) {
	if n == 0 {
		return
	}
	r := &a.recent[uint64(ev.Nr)%uint64(len(a.recent))]
	s := r.s
	if s == nil || r.nr != ev.Nr || r.abi != ev.ABI {
		k := callKey{ev.ABI, ev.Nr}
		s = a.calls[k]
		if s == nil {
			name := ev.ABI.NameOrNumber(ev.Nr)
			s = &callStat{first: a.ProcessInfo(ev.PID), name: name, hasArgs: argSyscalls[name]}
			a.calls[k] = s
		}
		*r = recentCall{ev.ABI, ev.Nr, s}
	}
	if s.hasArgs && !ev.NoArgs {
		a.args(ev, s.name)
	}
	s.count += n
}

// Name returns the name the aggregator gives syscall nr on abi (its number in decimal when
// the tables have no name for it).
func (a *Aggregator) Name(abi syscalls.ABI, nr int64) string {
	if s := a.calls[callKey{abi, nr}]; s != nil {
		return s.name
	}
	return abi.NameOrNumber(nr)
}

// argSyscalls are the syscalls whose arguments the recording keeps.
var argSyscalls = map[string]bool{
	"socket": true, "socketpair": true, "clone": true, "personality": true, "prctl": true,
}

// args records the arguments that matter for syscall name.
func (a *Aggregator) args(ev Event, name string) {
	switch name {
	case "socket", "socketpair":
		family, typ, proto := ev.Args[0], ev.Args[1], ev.Args[2]
		a.rec.AddArg(name, "family", family)
		a.rec.AddArg(name, "type", typ)
		a.rec.AddSocket(profile.Socket{
			Family:   SocketFamilyName(family),
			Type:     SocketTypeName(typ),
			Protocol: int(int32(proto)),
		})
	case "clone":
		// The flags are the first argument on every ABI profgen traces.
		a.rec.AddArg(name, "flags", ev.Args[0])
	case "personality":
		a.rec.AddArg(name, "persona", uint64(uint32(ev.Args[0])))
	case "prctl":
		a.rec.AddArg(name, "option", uint64(uint32(ev.Args[0])))
	}
}

// File records that process pid accessed path with the given access letters.
func (a *Aggregator) File(pid int, path, access string) {
	var p profile.Process
	if a.rec.Files == nil || a.rec.Files[path] == nil {
		p = a.ProcessInfo(pid)
	}
	a.rec.AddFile(path, access, p)
}

// FileFailed records that an access of path by process pid failed with the error named
// errName (ENOENT ...). No rule is made of it; it stays in the recording's FailedFiles.
func (a *Aggregator) FileFailed(pid int, path, access, errName string) {
	var p profile.Process
	if a.rec.FailedFiles == nil || a.rec.FailedFiles[path] == nil {
		p = a.ProcessInfo(pid)
	}
	a.rec.AddFileFailure(path, access, errName, p)
}

// FileType records the type of path (profile.FileTypeDir ...), seen by process pid.
func (a *Aggregator) FileType(pid int, path, typ string) {
	var p profile.Process
	if a.rec.Files == nil || a.rec.Files[path] == nil {
		p = a.ProcessInfo(pid)
	}
	a.rec.SetFileType(path, typ, p)
}

// Created reports whether path is recorded as created by the workload.
func (a *Aggregator) Created(path string) bool {
	f := a.rec.Files[path]
	return f != nil && strings.Contains(f.Access, "c")
}

// NotOwner records that a process that does not own path accessed it.
func (a *Aggregator) NotOwner(path string) {
	if f := a.rec.Files[path]; f != nil {
		f.NotOwner = true
	}
}

// FileTypeKnown reports whether the type of path is recorded.
func (a *Aggregator) FileTypeKnown(path string) bool {
	f := a.rec.Files[path]
	return f != nil && f.Type != ""
}

// DerivedCapability records a capability that what process pid did shows it had; reason is
// the evidence.
func (a *Aggregator) DerivedCapability(pid int, name, reason string) {
	for _, c := range a.rec.DerivedCapabilities {
		if c.Name == name {
			return
		}
	}
	if comm := a.ProcessInfo(pid).Comm; comm != "" {
		reason = fmt.Sprintf("%s by %s", reason, comm)
	}
	a.rec.AddDerivedCapability(name, reason)
}

// Recording returns the recording the aggregator fills (syscall counts are added by Finish).
func (a *Aggregator) Recording() *profile.Recording { return a.rec }

// Total returns how many syscalls were seen so far.
func (a *Aggregator) Total() uint64 {
	var n uint64
	for _, s := range a.calls {
		n += s.count
	}
	return n
}

// Merge adds everything o aggregated to a, as if o's events came after a's own: counts add
// up and a's first-seen processes win. o must not be used afterwards.
func (a *Aggregator) Merge(o *Aggregator) {
	for k, s := range o.calls {
		if cur := a.calls[k]; cur != nil {
			cur.count += s.count
		} else {
			a.calls[k] = s
		}
	}
	a.rec.Merge(o.rec)
}

// Finish names every counted syscall and adds it to the recording, which it returns.
// Calling it twice adds the counts twice; Snapshot leaves the aggregator as it is.
func (a *Aggregator) Finish() *profile.Recording {
	a.addCalls(a.rec)
	return a.rec
}

// Snapshot returns a copy of the recording with the syscalls counted so far, and leaves the
// aggregator unchanged, so that a long-running source can report while it goes on.
func (a *Aggregator) Snapshot() *profile.Recording {
	r := profile.NewRecording(a.rec.Source.Tool, a.rec.Source.Backend)
	src := a.rec.Source
	src.Dropped, src.Warnings = nil, nil
	src.Command = append([]string(nil), src.Command...)
	src.Inputs = append([]string(nil), src.Inputs...)
	r.Source = src
	r.Merge(a.rec)
	a.addCalls(r)
	return r
}

// addCalls adds the counted syscalls to r, named, in a fixed order.
func (a *Aggregator) addCalls(r *profile.Recording) {
	keys := make([]callKey, 0, len(a.calls))
	for k := range a.calls {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].abi != keys[j].abi {
			return keys[i].abi < keys[j].abi
		}
		return keys[i].nr < keys[j].nr
	})
	for _, k := range keys {
		s := a.calls[k]
		r.AddSyscall(k.abi, s.name, s.count, s.first)
	}
}

// ProcProcess describes process pid from /proc (comm and exe); fields it cannot read stay
// empty, so a process that has already exited is still counted.
func ProcProcess(pid int) profile.Process {
	p := profile.Process{PID: pid}
	dir := "/proc/" + strconv.Itoa(pid)
	if b, err := os.ReadFile(dir + "/comm"); err == nil {
		p.Comm = strings.TrimSuffix(string(b), "\n")
	}
	if exe, err := os.Readlink(dir + "/exe"); err == nil {
		p.Exe = exe
	}
	return p
}
