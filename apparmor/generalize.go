package apparmor

import (
	"strings"
)

// Generalisation rules, named so that users can switch each off (Options.Disable).
const (
	// RuleProc writes /proc/<pid>/..., /proc/self/... and /proc/thread-self/... as
	// @{PROC}/@{pid}/... (and task/<tid> as task/@{tid}).
	RuleProc = "proc"
	// RuleTemp replaces per-run temporary names under /tmp, /var/tmp, /dev/shm and
	// /run/user/<uid> with *: a run of 8 or more letters and digits that mixes letters and
	// digits, is all digits, or mixes at least two upper- and two lower-case letters
	// (mktemp's tmp.XXXXXXXXXX, Go's os.CreateTemp, Python's tempfile). A leading "tmp", or
	// the letters before such a run of digits (go-build1234567890), are kept.
	RuleTemp = "tmp"
	// RuleBase leaves to abstractions/base the files it already allows: shared libraries,
	// the dynamic linker's cache, locale data, /dev/null and the like.
	RuleBase = "base"
	// RuleCover drops a rule when a glob rule of the profile already allows all it matches
	// with at least the same permissions: a file's rule, or a narrower pattern whose only
	// wildcard is * under a glob of literals, * and **.
	RuleCover = "cover"
	// RuleOwner marks rules `owner` when the workload created every file they cover.
	RuleOwner = "owner"
	// RuleTransient replaces the changing parts of the names of files the workload created
	// and removed, or created and renamed away, with * wherever they are (see transientName):
	// such names differ in the next run (mktemp -d, redis's temp-<pid>.rdb).
	RuleTransient = "transient"
	// RuleTree writes one ROOT/**.EXT rule for Options.TreeThreshold or more files of one
	// extension read (not written) from one tree, such as a runtime's library directory.
	RuleTree = "tree"
)

// GeneralizationRules lists every generalisation rule, in the order they apply.
var GeneralizationRules = []string{RuleBase, RuleProc, RuleTransient, RuleTree, RuleTemp, RuleCover, RuleOwner}

// tempDirs are the directories whose entries RuleTemp generalises.
var tempDirs = []string{"/tmp/", "/var/tmp/", "/dev/shm/"}

// generalizeProc returns the pattern for a path under /proc/<pid>, /proc/self or
// /proc/thread-self, or "" when RuleProc does not apply.
func generalizeProc(path string) string {
	rest, ok := strings.CutPrefix(path, "/proc/")
	if !ok {
		return ""
	}
	first, tail, _ := strings.Cut(rest, "/")
	var out string
	switch {
	case first == "self" || isDecimal(first):
		out = "@{PROC}/@{pid}"
	case first == "thread-self":
		out = "@{PROC}/@{pid}/task/@{tid}"
	default:
		return ""
	}
	if !strings.Contains(rest, "/") {
		return out
	}
	if t, ok := strings.CutPrefix(tail, "task/"); ok {
		tid, after, more := strings.Cut(t, "/")
		if isDecimal(tid) {
			out += "/task/@{tid}"
			if !more {
				return out
			}
			tail = after
		}
	}
	return out + "/" + EscapePath(tail)
}

func isDecimal(s string) bool {
	if s == "" || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// generalizeTemp returns the pattern for a path with per-run temporary names under a temporary
// directory, or "" when RuleTemp changes nothing.
func generalizeTemp(path string) string {
	prefix := ""
	for _, d := range tempDirs {
		if strings.HasPrefix(path, d) {
			prefix = d
			break
		}
	}
	if rest, ok := strings.CutPrefix(path, "/run/user/"); ok && prefix == "" {
		uid, _, _ := strings.Cut(rest, "/")
		if uid != "" && (uid == "0" || isDecimal(uid)) {
			prefix = "/run/user/" + uid + "/"
		}
	}
	if prefix == "" {
		return ""
	}
	comps := strings.Split(path[len(prefix):], "/")
	changed := false
	for i, c := range comps {
		g, ok := generalizeTempName(c)
		if ok {
			changed = true
		}
		comps[i] = g
	}
	if !changed {
		return ""
	}
	return EscapePath(prefix) + strings.Join(comps, "/")
}

// generalizeTempName returns the pattern for one file name and whether a random-looking run
// in it became *.
func generalizeTempName(name string) (string, bool) {
	var sb strings.Builder
	changed := false
	for i := 0; i < len(name); {
		j := i
		for j < len(name) && isAlnum(name[j]) {
			j++
		}
		if j == i {
			sb.WriteString(EscapePath(name[i : i+1]))
			i++
			continue
		}
		run := name[i:j]
		keep := ""
		if strings.HasPrefix(run, "tmp") && looksRandom(run[3:]) {
			keep, run = "tmp", run[3:]
		}
		if keep == "" && len(run) > 0 && !isDigit(run[0]) {
			// letters then 6 or more digits (go-build1234567890): keep the letters
			k := strings.IndexFunc(run, func(r rune) bool { return r >= '0' && r <= '9' })
			if k > 0 && len(run)-k >= 6 && strings.Trim(run[k:], "0123456789") == "" {
				keep, run = run[:k], run[k:]
			}
		}
		if looksRandom(run) {
			sb.WriteString(keep + "*")
			changed = true
		} else {
			sb.WriteString(EscapePath(keep + run))
		}
		i = j
	}
	return sb.String(), changed
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// looksRandom reports whether a run of letters and digits looks generated (see RuleTemp).
func looksRandom(s string) bool {
	if len(s) < 8 {
		return false
	}
	var digits, upper, lower int
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= '0' && b <= '9':
			digits++
		case b >= 'A' && b <= 'Z':
			upper++
		default:
			lower++
		}
	}
	letters := upper + lower
	return digits > 0 && letters > 0 || letters == 0 || upper >= 2 && lower >= 2
}
