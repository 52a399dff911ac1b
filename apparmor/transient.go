package apparmor

import (
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/profgen/profgen/profile"
)

// transientNames returns, for every file the workload created and also removed or renamed
// away (access c and d), the pattern of its base name (see transientName). Such a file was
// temporary: the next run makes another.
func transientNames(files map[string]*profile.FileAccess) map[string]string {
	out := map[string]string{}
	for p, f := range files {
		if !strings.Contains(f.Access, "c") || !strings.Contains(f.Access, "d") || p == "/" {
			continue
		}
		name := path.Base(p)
		g := transientName(name)
		if inTempDir(p) && len(name) >= 6 && randomAlphabet(name) {
			// A name of letters, digits and '_', made and removed directly in a temporary
			// directory, is taken for a random one: Python's tempfile tries /tmp/ztpcpapb,
			// /tmp/ttjbm_ze or /tmp/a3kd_x0q (8 of a-z, 0-9 and '_'), and a partial pattern
			// of such a name (a3kd_* from its digits) would not match the next run's.
			g = "*"
			if strings.HasPrefix(name, "tmp") {
				g = "tmp*"
			}
		}
		out[p] = g
	}
	return out
}

// randomAlphabet reports whether name holds only the characters of generated names: ASCII
// letters, digits and '_' (Python's tempfile alphabet is a-z, 0-9 and '_').
func randomAlphabet(name string) bool {
	for i := 0; i < len(name); i++ {
		if !isAlnum(name[i]) && name[i] != '_' {
			return false
		}
	}
	return true
}

// inTempDir reports whether p is directly in /tmp, /var/tmp, /dev/shm or /run/user/<uid>.
func inTempDir(p string) bool {
	dir := path.Dir(p) + "/"
	if slices.Contains(tempDirs, dir) {
		return true
	}
	uid, ok := strings.CutPrefix(dir, "/run/user/")
	return ok && strings.Count(uid, "/") == 1 && isDecimal(strings.TrimSuffix(uid, "/"))
}

// transientPattern returns the pattern of path when it or a directory above it is
// transient, or "".
func transientPattern(p string, names map[string]string) string {
	if len(names) == 0 {
		return ""
	}
	comps := strings.Split(p, "/")
	changed := false
	for i := 1; i < len(comps); i++ {
		prefix := strings.Join(comps[:i+1], "/")
		if g, ok := names[prefix]; ok && g != EscapePath(comps[i]) {
			comps[i] = g
			changed = true
		} else {
			comps[i] = EscapePath(comps[i])
		}
	}
	if !changed {
		return ""
	}
	return strings.Join(comps, "/")
}

// transientName returns the pattern for the name of a temporary file, with * for the parts
// that change from run to run:
//   - every run of letters and digits that holds a digit (PIDs, counters, random suffixes:
//     temp-6381.rdb → temp-*.rdb, appendonly.aof.1.incr.aof → appendonly.aof.*.incr.aof),
//     keeping a leading "tmp" or lower-case letters before four or more digits
//     (go-build1234 → go-build*);
//   - otherwise the last run, when it has six or more characters and follows a '.', '-' or
//     '_' or starts with "tmp" (mktemp's suffix, even all lower case: job.qwerty → job.*).
//
// A name with none of these (a fixed name such as app.conf) stays as it is, except directly
// in a temporary directory (see transientNames).
func transientName(name string) string {
	type run struct {
		text  string
		alnum bool
	}
	var runs []run
	for i := 0; i < len(name); {
		j := i
		for j < len(name) && isAlnum(name[j]) {
			j++
		}
		if j == i {
			runs = append(runs, run{name[i : i+1], false})
			i++
			continue
		}
		runs = append(runs, run{name[i:j], true})
		i = j
	}
	var sb strings.Builder
	changed := false
	for _, r := range runs {
		if !r.alnum || strings.IndexFunc(r.text, isDigitRune) < 0 {
			sb.WriteString(EscapePath(r.text))
			continue
		}
		sb.WriteString(EscapePath(keptPrefix(r.text)) + "*")
		changed = true
	}
	if changed {
		return sb.String()
	}
	last := len(runs) - 1
	if last < 0 || !runs[last].alnum || len(runs[last].text) < 6 {
		return EscapePath(name)
	}
	lt := runs[last].text
	switch {
	case last > 0 && strings.Contains(".-_", runs[last-1].text):
		return EscapePath(strings.TrimSuffix(name, lt)) + "*"
	case strings.HasPrefix(lt, "tmp") && len(lt) > 6:
		return EscapePath(strings.TrimSuffix(name, lt)) + "tmp*"
	}
	return EscapePath(name)
}

func isDigitRune(r rune) bool { return r >= '0' && r <= '9' }

// keptPrefix returns the part of a run with digits that names rather than varies: "tmp",
// or three or more lower-case letters followed only by four or more digits (go-build123456;
// mktemp's suffixes mix cases and rarely end in four digits).
func keptPrefix(s string) string {
	if strings.HasPrefix(s, "tmp") {
		return "tmp"
	}
	k := strings.IndexFunc(s, isDigitRune)
	if k >= 3 && len(s)-k >= 4 && strings.Trim(s[k:], "0123456789") == "" && strings.Trim(s[:k], "abcdefghijklmnopqrstuvwxyz") == "" {
		return s[:k]
	}
	return ""
}

// DefaultTreeThreshold is how many files of one kind read from one tree make a tree rule
// (Options.TreeThreshold).
const DefaultTreeThreshold = 10

// treeMinDepth is the depth (path components) a tree rule's root has at least:
// /usr/lib/python3.11, not /usr/lib.
const treeMinDepth = 3

// treeCandidate reports whether a file may be folded into a tree rule, and its kind (file
// name extension): read (and mapped) only, not run, not made by the workload, outside
// temporary, /proc, /sys and /dev trees.
func treeCandidate(p string, f *profile.FileAccess) (string, bool) {
	if strings.Trim(f.Access, "rm") != "" || f.Access == "" || f.Type == profile.FileTypeDir {
		return "", false
	}
	for _, d := range append([]string{"/proc/", "/sys/", "/dev/", "/run/"}, tempDirs...) {
		if strings.HasPrefix(p, d) {
			return "", false
		}
	}
	base := path.Base(p)
	i := strings.LastIndexByte(base, '.')
	if i <= 0 || i == len(base)-1 {
		return "", false
	}
	ext := base[i+1:]
	if len(ext) > 10 || strings.Trim(ext, "0123456789") == "" {
		return "", false
	}
	for j := 0; j < len(ext); j++ {
		if !isAlnum(ext[j]) && ext[j] != '_' {
			return "", false
		}
	}
	if strings.Count(p, "/") <= treeMinDepth {
		return "", false
	}
	return ext, true
}

// treeRules returns, for the files read in numbers from one tree, the tree rule's pattern
// (ROOT/**.EXT, as aa-logprof's "glob with extension" writes it): files of one extension
// under one directory of depth treeMinDepth, threshold or more of them, get one rule whose
// root is their deepest common directory.
func treeRules(files map[string]*profile.FileAccess, skip func(string) bool, threshold int) map[string]string {
	type key struct{ top, ext string }
	groups := map[key][]string{}
	for p, f := range files {
		if skip(p) {
			continue
		}
		ext, ok := treeCandidate(p, f)
		if !ok {
			continue
		}
		comps := strings.SplitN(p, "/", treeMinDepth+2)
		top := strings.Join(comps[:treeMinDepth+1], "/")
		groups[key{top, ext}] = append(groups[key{top, ext}], p)
	}
	out := map[string]string{}
	for k, members := range groups {
		if len(members) < threshold {
			continue
		}
		sort.Strings(members)
		root := path.Dir(members[0])
		for _, m := range members[1:] {
			for root != "/" && !strings.HasPrefix(m, root+"/") {
				root = path.Dir(root)
			}
		}
		pat := EscapePath(root) + "/**." + EscapePath(k.ext)
		for _, m := range members {
			out[m] = pat
		}
	}
	return out
}

// treeDirRules returns, for the directories below the root of a tree rule that were only
// read (listed), the rule ROOT/**/ that allows listing every directory of the tree: a
// runtime that reads many modules of a tree lists its package directories too. dirs holds
// the paths known to be directories by their recorded children.
func treeDirRules(files map[string]*profile.FileAccess, dirs map[string]bool, tree map[string]string) map[string]string {
	var roots []string
	for _, pat := range tree {
		root := pat[:strings.LastIndex(pat, "/**.")]
		if !slices.Contains(roots, root) {
			roots = append(roots, root)
		}
	}
	out := map[string]string{}
	if len(roots) == 0 {
		return out
	}
	for p, f := range files {
		if f.Access != "r" || !(f.Type == profile.FileTypeDir || dirs[p]) {
			continue
		}
		best := ""
		for _, root := range roots {
			if strings.HasPrefix(EscapePath(p), root+"/") && len(root) > len(best) {
				best = root
			}
		}
		if best != "" {
			out[p+"/"] = best + "/**/"
		}
	}
	return out
}
