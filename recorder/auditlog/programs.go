package auditlog

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/profgen/profgen/syscalls"
)

// Program is one executable seen in seccomp records, or one AppArmor profile seen in AppArmor
// records, with what became of its records.
type Program struct {
	Exe     string // the exe= of its seccomp records ("" for an AppArmor profile)
	Profile string // the AppArmor profile of its records ("" for an executable)
	Comm    string // the comm of its first record
	// Kept and Filtered count its records that the filters kept and left out.
	Kept, Filtered uint64
	// Started: a kept record is its execve or another call a program makes once, as it
	// starts (StartupSyscalls), so it started inside the input.
	Started bool
	// Logged counts its kept records made by SCMP_ACT_LOG (or with no action in the record):
	// a log profile logs every syscall it does not allow.
	Logged uint64
}

// StartupSyscalls are the calls that tell that a program started inside the input: the
// execve itself (which the kernel logs under the program that called it, before it is
// replaced), and the calls a new program makes once to set up its main thread, which threads
// created later do not repeat (they get theirs from clone).
var StartupSyscalls = []string{"execve", "execveat", "arch_prctl", "set_thread_area", "set_tid_address"}

var (
	startupOnce sync.Once
	startupNrs  map[syscalls.ABI][]int64
)

// isStartup reports whether nr is one of StartupSyscalls on abi.
func isStartup(abi syscalls.ABI, nr int64) bool {
	startupOnce.Do(func() {
		startupNrs = map[syscalls.ABI][]int64{}
		for _, a := range syscalls.ABIs() {
			for _, n := range StartupSyscalls {
				if v, err := a.Number(n); err == nil {
					startupNrs[a] = append(startupNrs[a], v)
				}
			}
		}
	})
	for _, v := range startupNrs[abi] {
		if v == nr {
			return true
		}
	}
	return false
}

// programSet counts records per program. The programs of consecutive records are mostly the
// same, so the last one is kept at hand and the map is looked up only on a change.
type programSet struct {
	m        map[string]*Program
	lastKey  []byte // in the chunk being parsed
	lastProf bool
	last     *Program
}

// get returns the program of a record: its exe (profile false) or AppArmor profile.
func (s *programSet) get(name, comm []byte, profile bool) *Program {
	if s.last != nil && s.lastProf == profile && bytes.Equal(s.lastKey, name) {
		return s.last
	}
	if s.m == nil {
		s.m = map[string]*Program{}
	}
	key := programKey(name, profile)
	p := s.m[key]
	if p == nil {
		p = &Program{Comm: string(comm)}
		if profile {
			p.Profile = string(name)
		} else {
			p.Exe = string(name)
		}
		s.m[key] = p
	}
	s.last, s.lastKey, s.lastProf = p, name, profile
	return p
}

func programKey(name []byte, profile bool) string {
	if profile {
		return "p" + string(name)
	}
	return "e" + string(name)
}

// endChunk forgets the last record's key, which points into the chunk's buffer.
func (s *programSet) endChunk() { s.last, s.lastKey = nil, nil }

// merge adds o's counts to s.
func (s *programSet) merge(o *programSet) {
	for k, p := range o.m {
		if s.m == nil {
			s.m = map[string]*Program{}
		}
		cur := s.m[k]
		if cur == nil {
			cp := *p
			s.m[k] = &cp
			continue
		}
		cur.Kept += p.Kept
		cur.Filtered += p.Filtered
		cur.Logged += p.Logged
		cur.Started = cur.Started || p.Started
	}
}

// list returns the programs, executables first, each sorted by name.
func (s *programSet) list() []Program {
	out := make([]Program, 0, len(s.m))
	for _, p := range s.m {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Profile != out[j].Profile {
			return out[i].Profile < out[j].Profile
		}
		return out[i].Exe < out[j].Exe
	})
	return out
}

// Programs returns every executable and AppArmor profile seen in the records read so far,
// kept or filtered out.
func (im *Importer) Programs() []Program { return im.programs.list() }

// minNotStarted is how many logged records a program must have to be judged by
// notStartedWarnings: fewer are a snippet of a log, or come from a log profile that allows
// most calls (one that only discovers additions), where no start-up call is logged.
const minNotStarted = 50

// notStartedWarnings warns of the programs whose kept records come from a log profile (which
// logs every syscall) yet hold none of their start-up calls: they started before the input
// begins, so what they did then (socket, bind, listen ...) is missing from the profile.
func (im *Importer) notStartedWarnings() []string {
	var names []string
	for _, p := range im.programs.list() {
		if p.Exe != "" && !p.Started && p.Logged >= minNotStarted {
			names = append(names, fmt.Sprintf("%s (comm %s, %d records)", p.Exe, p.Comm, p.Logged))
		}
	}
	if len(names) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("started before the input begins (a rotated log?): %s: the logged records hold none of the calls a program makes as it starts (%s), so what it did while starting (socket, bind, listen ...) may be missing: import the older log files too, or size auditd for the recording (see README, \"Sizing auditd\"); a log profile that allows those calls gives this warning too",
		strings.Join(names, ", "), strings.Join(StartupSyscalls, ", "))}
}

// withLinkTargets adds to exes the target of each one that is a symbolic link on this machine:
// the kernel logs the executable a link leads to (exe="/usr/bin/redis-check-rdb" for a program
// started as /usr/bin/redis-server).
func withLinkTargets(exes []string) []string {
	out := append([]string(nil), exes...)
	for _, e := range exes {
		if t, err := filepath.EvalSymlinks(e); err == nil && t != e {
			if abs, err := filepath.Abs(t); err == nil {
				t = abs
			}
			out = append(out, t)
		}
	}
	return out
}

// SeenList renders programs that had records filtered out, most records first, at most max
// of them: for the message that says what a filter matching nothing could have matched.
func SeenList(programs []Program, max int) string {
	var seen []Program
	for _, p := range programs {
		if p.Filtered > 0 {
			seen = append(seen, p)
		}
	}
	sort.SliceStable(seen, func(i, j int) bool { return seen[i].Filtered > seen[j].Filtered })
	var parts []string
	for i, p := range seen {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(seen)-max))
			break
		}
		if p.Exe != "" {
			parts = append(parts, fmt.Sprintf("--exe %s (comm %s, %d records)", p.Exe, p.Comm, p.Filtered))
		} else {
			parts = append(parts, fmt.Sprintf("--profile %s (comm %s, %d records)", p.Profile, p.Comm, p.Filtered))
		}
	}
	return strings.Join(parts, ", ")
}
