package apparmor

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/profgen/profgen/profile"
)

// Options control how a profile is made from a recording.
type Options struct {
	// Name is the profile name; it must pass ValidateName.
	Name string
	// Attachment is the absolute path of the program the profile attaches to; empty for a
	// profile that is only applied by name (containers, aa-exec).
	Attachment string
	// Complain writes flags=(complain): violations are logged, not denied.
	Complain bool
	// Container adds attach_disconnected and mediate_deleted, which container workloads
	// need (paths outside the container's mount namespace, deleted files).
	Container bool
	// Disable names generalisation rules to switch off (see GeneralizationRules).
	Disable []string
	// Globs are extra patterns: every recorded file a glob matches is allowed by one rule
	// for the glob, with the union of the files' permissions.
	Globs []string
	// DenyWrite adds `deny PATTERN w,` for each pattern (as in the well-known deny-write
	// profile: --deny-write '/**').
	DenyWrite []string
	// ExecMode is the exec permission for programs the workload ran: ix (default: inherit
	// this profile), px, Px, cx, Cx, ux, Ux, pix, Pix, cix, Cix, pux, Pux, cux, Cux.
	ExecMode string
	// ExecModes overrides ExecMode for single programs, keyed by absolute path.
	ExecModes map[string]string
	// TreeThreshold is how many files of one kind read from one tree make one tree rule
	// (RuleTree); 0 means DefaultTreeThreshold.
	TreeThreshold int
}

var execModes = []string{"ix", "px", "Px", "cx", "Cx", "ux", "Ux", "pix", "Pix", "cix", "Cix", "pux", "Pux", "cux", "Cux"}

// Profile is an AppArmor profile made from a recording. Bytes renders it.
type Profile struct {
	Name       string
	Attachment string
	Flags      []string
	Includes   []string
	Files      []FileRule
	// Covered counts recorded files left to abstractions/base.
	Covered int
	// Failed counts recorded files whose accesses all failed: they get no rule.
	Failed       int
	Network      []string // "inet stream", "netlink raw", "packet"
	Capabilities []string
	// Derived holds the evidence for capabilities derived from what succeeded rather than
	// observed being checked, by name.
	Derived map[string]string
	// Rules are the signal, ptrace, unix, mount and dbus rules, rendered, sorted.
	Rules []string
	// Warnings say what of the recording could not be expressed.
	Warnings []string
}

// FileRule is one file rule: Pattern is pattern text (see EscapePath), Mode the permissions
// in the order m r w a l k, then an exec mode.
type FileRule struct {
	Pattern string
	Mode    string
	Owner   bool
	Deny    bool
}

// fileGroup gathers the recorded files that end up in one rule.
type fileGroup struct {
	pattern string
	perms   string // subset of "mrwalk"
	exec    string
	created bool   // every member was created by the workload
	literal string // the one member's path when the pattern is not a glob
}

func (o *Options) enabled(rule string) bool { return !slices.Contains(o.Disable, rule) }

func (o *Options) validate() error {
	if err := ValidateName(o.Name); err != nil {
		return err
	}
	if o.Attachment != "" && !strings.HasPrefix(o.Attachment, "/") {
		return fmt.Errorf("attachment %q is not an absolute path", o.Attachment)
	}
	if strings.ContainsRune(o.Attachment, 0) {
		return fmt.Errorf("attachment holds a NUL byte")
	}
	for _, r := range o.Disable {
		if !slices.Contains(GeneralizationRules, r) {
			return fmt.Errorf("unknown generalisation rule %q (rules: %s)", r, strings.Join(GeneralizationRules, ", "))
		}
	}
	for _, g := range append(slices.Clone(o.Globs), o.DenyWrite...) {
		if err := validateUserPattern(g); err != nil {
			return err
		}
	}
	if o.TreeThreshold < 0 {
		return fmt.Errorf("tree threshold %d is negative", o.TreeThreshold)
	}
	if o.ExecMode != "" && !slices.Contains(execModes, o.ExecMode) {
		return fmt.Errorf("exec mode %q is not one of %s", o.ExecMode, strings.Join(execModes, " "))
	}
	for p, m := range o.ExecModes {
		if !slices.Contains(execModes, m) {
			return fmt.Errorf("exec mode %q for %s is not one of %s", m, p, strings.Join(execModes, " "))
		}
	}
	return nil
}

// Generate makes a profile from rec.
func Generate(rec *profile.Recording, opts Options) (*Profile, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("generate AppArmor profile: %w", err)
	}
	p := &Profile{Name: opts.Name, Attachment: opts.Attachment, Includes: []string{"abstractions/base"}}
	if opts.Complain {
		p.Flags = append(p.Flags, "complain")
	}
	if opts.Container {
		p.Flags = append(p.Flags, "attach_disconnected", "mediate_deleted")
	}
	sort.Strings(p.Flags)
	if err := p.addFiles(rec, &opts); err != nil {
		return nil, err
	}
	p.addNetwork(rec.Sockets)
	p.addCapabilities(rec.Capabilities)
	p.addDerivedCapabilities(rec.DerivedCapabilities)
	p.addLogRules(rec.AppArmor)
	for _, d := range opts.DenyWrite {
		p.Files = append(p.Files, FileRule{Pattern: d, Mode: "w", Deny: true})
	}
	return p, nil
}

// accessPerms maps recording access letters to AppArmor permissions (without exec): create
// and delete need w; w implies a, so a is kept only without w.
func accessPerms(access string) string {
	var sb strings.Builder
	has := func(c string) bool { return strings.ContainsAny(access, c) }
	if has("m") {
		sb.WriteByte('m')
	}
	if has("r") {
		sb.WriteByte('r')
	}
	if has("wcd") {
		sb.WriteByte('w')
	} else if has("a") {
		sb.WriteByte('a')
	}
	if has("l") {
		sb.WriteByte('l')
	}
	if has("k") {
		sb.WriteByte('k')
	}
	return sb.String()
}

// unionPerms merges two permission sets in the order m r w a l k; w absorbs a.
func unionPerms(a, b string) string {
	s := a + b
	if strings.Contains(s, "w") {
		s = strings.ReplaceAll(s, "a", "")
	}
	var sb strings.Builder
	for _, c := range "mrwalk" {
		if strings.ContainsRune(s, c) {
			sb.WriteRune(c)
		}
	}
	return sb.String()
}

// permsCover reports whether permissions have allow everything need does (w allows a).
func permsCover(have, need string) bool {
	for _, c := range need {
		if !strings.ContainsRune(have, c) && !(c == 'a' && strings.ContainsRune(have, 'w')) {
			return false
		}
	}
	return true
}

var baseMatchers = sync.OnceValue(func() []*regexp.Regexp {
	out := make([]*regexp.Regexp, len(baseRules))
	for i, r := range baseRules {
		re, err := compilePattern(r.pattern)
		if err != nil {
			panic(fmt.Sprintf("base rule %q: %v", r.pattern, err))
		}
		out[i] = re
	}
	return out
})

// coveredByBase reports whether abstractions/base allows perms on path.
func coveredByBase(path, perms string) bool {
	// /proc/self and /proc/thread-self resolve to /proc/<pid> before AppArmor sees them.
	if rest, ok := strings.CutPrefix(path, "/proc/self/"); ok {
		path = "/proc/1/" + rest
	} else if rest, ok := strings.CutPrefix(path, "/proc/thread-self/"); ok {
		path = "/proc/1/task/1/" + rest
	}
	for i, re := range baseMatchers() {
		if permsCover(baseRules[i].mode, perms) && re.MatchString(path) {
			return true
		}
	}
	return false
}

// addFiles adds the file rules for rec's files, and counts the files left to
// abstractions/base and those only accessed in vain.
func (p *Profile) addFiles(rec *profile.Recording, opts *Options) error {
	paths := make([]string, 0, len(rec.Files))
	for f := range rec.Files {
		paths = append(paths, f)
	}
	sort.Strings(paths)
	dirs := parentDirs(paths)
	p.Failed += failedOnly(rec)
	fg := fileGrouper{
		p:           p,
		opts:        opts,
		gen:         newGeneralizer(rec.Files, dirs, opts),
		execDefault: opts.ExecMode,
		groups:      map[string]*fileGroup{},
		execUsed:    map[string]bool{},
	}
	if fg.execDefault == "" {
		fg.execDefault = "ix"
	}
	for _, f := range paths {
		fg.add(f, rec.Files[f], dirs[f])
	}
	p.warnUnusedExecModes(opts.ExecModes, fg.execUsed)
	p.addFileRules(fg.groups, opts)
	return nil
}

// failedOnly counts the files of rec whose accesses all failed: none was granted.
func failedOnly(rec *profile.Recording) int {
	n := 0
	for f := range rec.FailedFiles {
		if fa := rec.Files[f]; fa == nil || fa.Access == "" {
			n++
		}
	}
	return n
}

// newGeneralizer prepares the generalisation of files: the user globs of opts, and the
// transient names and tree rules found among the files when those rules are on. dirs holds
// the paths known to be directories by their recorded children.
func newGeneralizer(files map[string]*profile.FileAccess, dirs map[string]bool, opts *Options) *generalizer {
	globs := make([]*regexp.Regexp, len(opts.Globs))
	for i, g := range opts.Globs {
		globs[i], _ = compilePattern(g) // validated
	}
	gen := &generalizer{opts: opts, globs: globs}
	if opts.enabled(RuleTransient) {
		gen.transient = transientNames(files)
	}
	if opts.enabled(RuleTree) {
		threshold := opts.TreeThreshold
		if threshold == 0 {
			threshold = DefaultTreeThreshold
		}
		gen.tree = treeRules(files, func(f string) bool {
			return gen.userGlob(f) != "" || opts.enabled(RuleBase) && coveredByBase(f, accessPerms(files[f].Access))
		}, threshold)
		gen.treeDirs = treeDirRules(files, dirs, gen.tree)
	}
	return gen
}

// fileGrouper gathers recorded files into the groups that become file rules.
type fileGrouper struct {
	p           *Profile // takes the warnings and the count of files base covers
	opts        *Options
	gen         *generalizer
	execDefault string                // exec mode of a program ExecModes does not name
	groups      map[string]*fileGroup // by pattern
	execUsed    map[string]bool       // the programs of ExecModes that were run
}

// add puts file f, accessed as fa, into the group of its pattern; isDir says it has
// recorded children. A file nothing was granted on, or that abstractions/base covers,
// joins no group.
func (fg *fileGrouper) add(f string, fa *profile.FileAccess, isDir bool) {
	acc := fa.Access
	if (isDir || fa.Type == profile.FileTypeDir) && !strings.HasSuffix(f, "/") {
		// AppArmor names directories with a trailing slash: a path recorded as a
		// directory, or with recorded children, is one.
		f += "/"
	}
	if !strings.HasPrefix(f, "/") || strings.ContainsRune(f, 0) {
		fg.p.Warnings = append(fg.p.Warnings, fmt.Sprintf("file %q skipped: not an absolute path", f))
		return
	}
	if acc == "" {
		return // seen but not granted (a failed open): nothing to allow
	}
	perms := accessPerms(acc)
	exec := fg.execMode(f, acc)
	if exec == "" && fg.opts.enabled(RuleBase) && coveredByBase(f, perms) {
		fg.p.Covered++
		return
	}
	pat := fg.gen.pattern(f)
	g := fg.groups[pat]
	if g == nil {
		g = &fileGroup{pattern: pat, created: true}
		if !isGlob(pat) {
			g.literal = f
		}
		fg.groups[pat] = g
	}
	g.perms = unionPerms(g.perms, perms)
	if g.exec == "" {
		g.exec = exec
	} else if exec != "" && exec != g.exec {
		fg.p.Warnings = append(fg.p.Warnings, fmt.Sprintf("%s: programs run with different exec modes; kept %s", pat, g.exec))
	}
	g.created = g.created && strings.Contains(acc, "c") && !fa.NotOwner
}

// execMode is the exec permission of file f accessed with letters acc: none unless it was
// run, else the mode ExecModes gives it, or the default.
func (fg *fileGrouper) execMode(f, acc string) string {
	if !strings.Contains(acc, "x") {
		return ""
	}
	if m, ok := fg.opts.ExecModes[f]; ok {
		fg.execUsed[f] = true
		return m
	}
	return fg.execDefault
}

// warnUnusedExecModes warns, in path order, of each exec mode given for a program that was
// not run.
func (p *Profile) warnUnusedExecModes(modes map[string]string, used map[string]bool) {
	var unused []string
	for f := range modes {
		if !used[f] {
			unused = append(unused, f)
		}
	}
	sort.Strings(unused)
	for _, f := range unused {
		// AppArmor names a program by its file, links resolved (/usr/bin/sh runs
		// /usr/bin/dash): a mode for a name nothing ran from would silently not apply.
		p.Warnings = append(p.Warnings, fmt.Sprintf("exec mode for %s not used: no program of the recording was run from that file (programs are named by their file, after symbolic links)", f))
	}
}

// addFileRules adds a rule for each group, in pattern order, but for the groups another
// rule covers (when that rule is on) and those with no permission.
func (p *Profile) addFileRules(groups map[string]*fileGroup, opts *Options) {
	list := make([]*fileGroup, 0, len(groups))
	for _, g := range groups {
		list = append(list, g)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].pattern < list[j].pattern })
	if opts.enabled(RuleCover) {
		list = dropCovered(list, opts.enabled(RuleOwner))
	}
	for _, g := range list {
		if g.perms == "" && g.exec == "" {
			continue
		}
		p.Files = append(p.Files, FileRule{
			Pattern: g.pattern,
			Mode:    g.perms + g.exec,
			Owner:   opts.enabled(RuleOwner) && g.created,
		})
	}
}

// parentDirs returns every proper parent directory of the paths, without trailing slash.
func parentDirs(paths []string) map[string]bool {
	dirs := map[string]bool{}
	for _, p := range paths {
		for i := len(p) - 1; i > 0; i-- {
			if p[i] != '/' || i == len(p)-1 {
				continue
			}
			if dirs[p[:i]] {
				break
			}
			dirs[p[:i]] = true
		}
	}
	return dirs
}

// generalizer chooses the pattern of each file's rule.
type generalizer struct {
	opts      *Options
	globs     []*regexp.Regexp
	transient map[string]string // transient file → pattern of its base name
	tree      map[string]string // file → tree rule
	treeDirs  map[string]string // directory (with its slash) → tree rule for directories
}

// userGlob returns the user glob that matches f, or "".
func (g *generalizer) userGlob(f string) string {
	for i, re := range g.globs {
		if re.MatchString(f) {
			return g.opts.Globs[i]
		}
	}
	return ""
}

// pattern is the pattern of the rule for file f (a directory ends in /): a user glob that
// matches it, or the generalised or escaped path.
func (g *generalizer) pattern(f string) string {
	if u := g.userGlob(f); u != "" {
		return u
	}
	opts := g.opts
	if opts.enabled(RuleProc) {
		if p := generalizeProc(f); p != "" {
			return p
		}
	}
	dir := strings.HasSuffix(f, "/") && f != "/"
	if p := transientPattern(strings.TrimSuffix(f, "/"), g.transient); p != "" {
		if dir {
			p += "/"
		}
		return p
	}
	if p, ok := g.tree[f]; ok {
		return p
	}
	if p, ok := g.treeDirs[f]; ok {
		return p
	}
	if opts.enabled(RuleTemp) {
		if g := generalizeTemp(f); g != "" {
			return g
		}
	}
	return EscapePath(f)
}

// dropCovered removes rules that a glob rule of the list already allows with the same or
// more permissions (an owner glob covers only owner rules). A literal rule is covered when
// the glob matches its path; a glob rule P when coverSample(P) is matched by a glob made only
// of literals, * and ** (see coverSample).
func dropCovered(list []*fileGroup, owner bool) []*fileGroup {
	type glob struct {
		g      *fileGroup
		re     *regexp.Regexp
		simple bool // only literals, * and **
	}
	var globs []glob
	for _, g := range list {
		if g.literal != "" {
			continue
		}
		if re, err := compilePattern(g.pattern); err == nil {
			simple := !strings.ContainsAny(g.pattern, "\\?[]{}@^"+sampleByte)
			globs = append(globs, glob{g, re, simple})
		}
	}
	out := list[:0]
	for _, g := range list {
		sample, isSample := g.literal, g.literal != ""
		if !isSample {
			sample, isSample = coverSample(g.pattern)
		}
		covered := false
		for _, gl := range globs {
			if !isSample || covered {
				break
			}
			if gl.g == g || g.literal == "" && !gl.simple {
				continue
			}
			ownerOK := !owner || !gl.g.created || g.created
			covered = ownerOK && gl.g.exec == g.exec && permsCover(gl.g.perms, g.perms) && gl.re.MatchString(sample)
			if covered && g.literal == "" {
				// Never drop two patterns for each other.
				if back, ok := coverSample(gl.g.pattern); ok {
					if re, err := compilePattern(g.pattern); err == nil && re.MatchString(back) {
						covered = false
					}
				}
			}
		}
		if !covered {
			out = append(out, g)
		}
	}
	return out
}

// sampleByte stands for the text a * matches in coverSample.
const sampleByte = "\x01"

// coverSample returns a pattern's text with each * replaced by sampleByte, when its only
// wildcard is * (no **, ?, classes, alternation, variables or escapes). A glob G made only
// of literals, * and ** that matches the sample matches every path the pattern does: G's
// literals cannot match sampleByte, so each one is taken by a G wildcard, which takes any
// run without / as well.
func coverSample(p string) (string, bool) {
	if strings.Contains(p, "**") || strings.ContainsAny(p, "\\?[]{}@^"+sampleByte) {
		return "", false
	}
	return strings.ReplaceAll(p, "*", sampleByte), true
}

// programName is the base name of a recording's command, for default profile names. A
// leading env, its options and its NAME=VALUE arguments are passed over.
func programName(rec *profile.Recording) string {
	cmd := rec.Source.Command
	if len(cmd) > 0 && path.Base(cmd[0]) == "env" {
		cmd = cmd[1:]
		for len(cmd) > 0 && (strings.HasPrefix(cmd[0], "-") || strings.Contains(cmd[0], "=")) {
			cmd = cmd[1:]
		}
	}
	if len(cmd) == 0 {
		return ""
	}
	return path.Base(cmd[0])
}

// DefaultName returns "profgen-" and the recorded command's base name, with characters that
// ValidateName refuses replaced by '-', or "profgen" when there is no usable command.
func DefaultName(rec *profile.Recording) string {
	base := programName(rec)
	var sb strings.Builder
	for i := 0; i < len(base) && sb.Len() < 100; i++ {
		b := base[i]
		if isAlnum(b) || strings.IndexByte("._+-", b) >= 0 {
			sb.WriteByte(b)
		} else {
			sb.WriteByte('-')
		}
	}
	if s := strings.Trim(sb.String(), ".-_+"); s != "" {
		return "profgen-" + s
	}
	return "profgen"
}
