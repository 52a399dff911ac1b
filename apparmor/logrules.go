package apparmor

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/profgen/profgen/profile"
)

var signalNames = []string{"", "hup", "int", "quit", "ill", "trap", "abrt", "bus", "fpe", "kill",
	"usr1", "segv", "usr2", "pipe", "alrm", "term", "stkflt", "chld", "cont", "stop", "stp",
	"ttin", "ttou", "urg", "xcpu", "xfsz", "vtalrm", "prof", "winch", "io", "pwr", "sys"}

var mountOptions = []string{"acl", "async", "atime", "bind", "dev", "diratime", "dirsync",
	"exec", "iversion", "lazytime", "loud", "mand", "move", "noacl", "noatime", "nodev",
	"nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime",
	"nosuid", "nouser", "private", "rbind", "relatime", "remount", "ro", "rprivate", "rshared",
	"rslave", "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid", "sync",
	"unbindable", "user", "verbose"}

var accessWords = map[string][]string{
	"signal": {"send", "receive"},
	"ptrace": {"read", "trace", "readby", "tracedby"},
	"unix": {"create", "bind", "listen", "accept", "connect", "shutdown", "getattr", "setattr",
		"getopt", "setopt", "send", "receive"},
	"dbus": {"send", "receive", "bind", "eavesdrop"},
}

func (p *Profile) addLogRules(rules []profile.AppArmorRule) {
	seen := map[string]bool{}
	for _, r := range rules {
		text, err := renderLogRule(r)
		if err != nil {
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s rule left out: %v", r.Class, err))
			continue
		}
		for _, s := range strings.Split(text, ruleSep) {
			if !seen[s] {
				seen[s] = true
				p.Rules = append(p.Rules, s)
			}
		}
	}
	slices.Sort(p.Rules)
}

// ruleSep separates the rules renderLogRule makes from one record. Rendered rules never hold
// a raw newline: every value is quoted with its control characters escaped.
const ruleSep = "\n"

// renderLogRule renders the rule (or rules, separated by ruleSep) for one record.
func renderLogRule(r profile.AppArmorRule) (string, error) {
	f := r.Fields
	switch r.Class {
	case "signal":
		return signalRule(f)
	case "ptrace":
		mask, err := access("ptrace", f)
		if err != nil {
			return "", err
		}
		return "ptrace " + mask + peerLabel(f["peer"], " peer="), nil
	case "unix":
		return unixRule(f)
	case "mount":
		return mountRule(f)
	case "dbus":
		return dbusRule(f)
	}
	return "", fmt.Errorf("class %q is not supported", r.Class)
}

// field returns the first non-empty value of the names given (libapparmor's name first, then
// the names profgen's audit-log importer also uses).
func field(f map[string]string, names ...string) string {
	for _, n := range names {
		if v := f[n]; v != "" {
			return v
		}
	}
	return ""
}

// access returns "(a, b)" from requested_mask (or denied_mask, or mask) of a record.
func access(class string, f map[string]string) (string, error) {
	m := f["requested_mask"]
	if m == "" {
		m = f["denied_mask"]
	}
	if m == "" {
		m = f["mask"]
	}
	words := strings.FieldsFunc(m, func(r rune) bool { return r == ' ' || r == ',' })
	if len(words) == 0 {
		return "", fmt.Errorf("no access mask")
	}
	var out []string
	for _, w := range words {
		if class == "unix" && (w == "r" || w == "w") {
			w = map[string]string{"r": "receive", "w": "send"}[w]
		}
		if !slices.Contains(accessWords[class], w) {
			return "", fmt.Errorf("access %q is not a %s permission", w, class)
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return "(" + strings.Join(out, ", ") + ")", nil
}

// peerLabel renders a peer label (an AppArmor pattern) after prefix, or "" for none.
func peerLabel(label, prefix string) string {
	label = strings.TrimSuffix(strings.TrimSuffix(label, " (enforce)"), " (complain)")
	if label == "" {
		return ""
	}
	return prefix + QuotePath(label)
}

func signalRule(f map[string]string) (string, error) {
	mask, err := access("signal", f)
	if err != nil {
		return "", err
	}
	sig := strings.ToLower(strings.TrimPrefix(strings.ToUpper(f["signal"]), "SIG"))
	if n, err := strconv.Atoi(sig); err == nil {
		switch {
		case n > 0 && n < len(signalNames):
			sig = signalNames[n]
		case n >= 32 && n <= 64:
			sig = fmt.Sprintf("rtmin+%d", n-32)
		default:
			return "", fmt.Errorf("signal %d has no AppArmor name", n)
		}
	}
	rule := "signal " + mask
	if sig != "" {
		if !slices.Contains(signalNames, sig) && !strings.HasPrefix(sig, "rtmin+") && sig != "exists" {
			return "", fmt.Errorf("signal %q has no AppArmor name", f["signal"])
		}
		rule += " set=(" + sig + ")"
	}
	return rule + peerLabel(f["peer"], " peer="), nil
}

// unixLocal are the unix accesses that take no peer conditional.
var unixLocal = []string{"create", "shutdown", "setattr", "getattr", "bind", "listen", "setopt", "getopt"}

// unixRule renders a unix rule. Accesses on the socket itself and accesses to a peer go in
// separate rules, as AppArmor allows peer conditionals only on the latter.
func unixRule(f map[string]string) (string, error) {
	mask, err := access("unix", f)
	if err != nil {
		return "", err
	}
	var local, remote []string
	for _, w := range strings.Split(strings.Trim(mask, "()"), ", ") {
		if slices.Contains(unixLocal, w) {
			local = append(local, w)
		} else {
			remote = append(remote, w)
		}
	}
	base := ""
	if t := field(f, "sock_type", "type"); t != "" {
		if !slices.Contains(networkTypes, t) {
			return "", fmt.Errorf("socket type %q", t)
		}
		base += " type=" + t
	}
	if a := unixAddr(f["addr"]); a != "" {
		base += " addr=" + a
	}
	var peer []string
	if a := unixAddr(f["peer_addr"]); a != "" {
		peer = append(peer, "addr="+a)
	}
	if l := peerLabel(f["peer"], "label="); l != "" {
		peer = append(peer, l)
	}
	var rules []string
	if len(local) > 0 {
		rules = append(rules, "unix ("+strings.Join(local, ", ")+")"+base)
	}
	if len(remote) > 0 {
		r := "unix (" + strings.Join(remote, ", ") + ")" + base
		if len(peer) > 0 {
			r += " peer=(" + strings.Join(peer, ", ") + ")"
		}
		rules = append(rules, r)
	}
	return strings.Join(rules, ruleSep), nil
}

// unixAddr renders an abstract socket address (@name) for an addr= conditional, or "" for
// none. AppArmor's unix rules only take abstract addresses; sockets with a path name are
// mediated by file rules, so the conditional is left out for them.
func unixAddr(a string) string {
	name, ok := strings.CutPrefix(a, "@")
	if !ok || name == "" {
		return ""
	}
	return QuotePattern("@" + EscapePath(name))
}

func mountRule(f map[string]string) (string, error) {
	name := f["name"]
	if !strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("mount point %q is not an absolute path", name)
	}
	switch f["operation"] {
	case "umount":
		return "umount " + QuotePath(name), nil
	case "pivotroot":
		return "pivot_root " + QuotePath(name), nil
	case "mount", "":
	default:
		return "", fmt.Errorf("operation %q", f["operation"])
	}
	rule := "mount"
	if t := f["fstype"]; t != "" {
		for i := 0; i < len(t); i++ {
			if !isAlnum(t[i]) && !strings.ContainsRune("._-", rune(t[i])) {
				return "", fmt.Errorf("file system type %q", t)
			}
		}
		rule += " fstype=" + t
	}
	var opts []string
	for _, o := range strings.FieldsFunc(f["flags"], func(r rune) bool { return r == ',' || r == ' ' }) {
		if !slices.Contains(mountOptions, o) {
			return "", fmt.Errorf("mount option %q", o)
		}
		if !slices.Contains(opts, o) {
			opts = append(opts, o)
		}
	}
	if len(opts) > 0 {
		slices.Sort(opts)
		rule += " options=(" + strings.Join(opts, ", ") + ")"
	}
	if src := f["srcname"]; src != "" {
		rule += " " + QuotePath(src)
	}
	return rule + " -> " + QuotePath(name), nil
}

func dbusRule(f map[string]string) (string, error) {
	mask, err := access("dbus", f)
	if err != nil {
		return "", err
	}
	bus := f["bus"]
	for i := 0; i < len(bus); i++ {
		if !isAlnum(bus[i]) {
			return "", fmt.Errorf("bus %q", bus)
		}
	}
	rule := "dbus " + mask
	if bus != "" {
		rule += " bus=" + bus
	}
	if mask == "(eavesdrop)" {
		return rule, nil // eavesdrop takes only the bus conditional
	}
	if mask == "(bind)" {
		if f["name"] == "" {
			return "", fmt.Errorf("bind without a name")
		}
		return rule + " name=" + QuotePath(f["name"]), nil
	}
	for _, k := range []string{"path", "interface", "member"} {
		if v := f[k]; v != "" {
			rule += " " + k + "=" + QuotePath(v)
		}
	}
	var peer []string
	if n := f["name"]; n != "" {
		peer = append(peer, "name="+QuotePath(n))
	}
	if l := peerLabel(field(f, "peer_profile", "peer_label"), "label="); l != "" {
		peer = append(peer, l)
	}
	if len(peer) > 0 {
		rule += " peer=(" + strings.Join(peer, ", ") + ")"
	}
	return rule, nil
}
