package apparmor

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

// hostilePaths are file names a workload may create to try to add rules to its own profile,
// or that merely hold characters the profile language gives a meaning.
var hostilePaths = []string{
	"/tmp/x,\n  /** rwx,",
	"/tmp/a*b",
	"/tmp/a?b",
	"/tmp/[ab]",
	"/tmp/{a,b}",
	"/tmp/^x",
	"/tmp/@{HOME}",
	"/tmp/sp ace",
	"/tmp/q\"uote",
	"/tmp/q\" rwx,\n/** rwx,\n\"",
	"/tmp/#comment",
	"/tmp/back\\",
	"/tmp/back\\\\x",
	"/tmp/back\\*",
	"/tmp/tab\tx",
	"/tmp/cr\rlf\n",
	"/tmp/brace}",
	"/tmp/end,",
	"/tmp/x\" rw,\n}\nprofile evil {\n/** rwx,\n",
	"/tmp/é€",
	"/tmp/bad\xff\x80",
	"/tmp/-> /etc/shadow",
	"/tmp/x r,\n  capability sys_admin",
	"/tmp/**",
}

// parserDump runs apparmor_parser -Q -K with the given dump option on a profile text.
func parserDump(t *testing.T, text string, opt ...string) string {
	t.Helper()
	parser := testutil.RequireCommand(t, ParserName)
	f := filepath.Join(t.TempDir(), "p")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"-Q", "-K"}, opt...)
	out, err := exec.Command(parser, append(args, f)...).CombinedOutput()
	if err != nil {
		t.Fatalf("apparmor_parser %v rejected\n%s\n%s", args, text, out)
	}
	return string(out)
}

// parserRegexp returns the regular expression apparmor_parser compiled for the one file rule
// of a profile, from its -D rule-exprs dump ("aare: PATTERN   ->   REGEX"). The parser's
// dialect writes a literal ? bare; Go needs it escaped.
func parserRegexp(t *testing.T, dump string) (*regexp.Regexp, string) {
	t.Helper()
	const sep = "   ->   "
	blocks := strings.Split(dump, "aare: ")
	if len(blocks) != 3 || strings.Count(dump, "\nrule: ") != 1 {
		t.Fatalf("want the profile name and exactly one rule in the dump, got:\n%s", dump)
	}
	b := blocks[2]
	end := strings.Index(b, "\nrule: ")
	if end < 0 {
		t.Fatalf("no rule line in %q", b)
	}
	_, pcre, ok := strings.Cut(b[:end], sep)
	if !ok {
		t.Fatalf("no %q in %q", sep, b)
	}
	var sb strings.Builder
	for i := 0; i < len(pcre); i++ {
		switch c := pcre[i]; {
		case c == '\\' && i+1 < len(pcre):
			sb.WriteString(pcre[i : i+2])
			i++
		case c == '?':
			sb.WriteString(`\?`)
		default:
			sb.WriteByte(c)
		}
	}
	if !utf8.ValidString(pcre) {
		return nil, pcre
	}
	re, err := regexp.Compile(`\A(?s:` + sb.String() + `)\z`)
	if err != nil {
		t.Fatalf("parser regex %q: %v", pcre, err)
	}
	return re, pcre
}

func TestHostilePathsMatchOnlyThemselves(t *testing.T) {
	testutil.RequireCommand(t, ParserName)
	for _, p := range hostilePaths {
		t.Run(strings.ToValidUTF8(strings.ReplaceAll(p, "/", "_"), "?"), func(t *testing.T) {
			tok := QuotePath(p)
			text := "profile t {\n  " + tok + " rw,\n}\n"
			// One entry, with exactly the permissions of the rule.
			debug := parserDump(t, text, "--debug")
			if n := strings.Count(debug, "Mode:\t"); n != 1 {
				t.Fatalf("token %s made %d file entries, want 1:\n%s", tok, n, debug)
			}
			if !strings.Contains(debug, "Mode:\trwa:rwa\t") {
				t.Fatalf("token %s: permissions changed:\n%s", tok, debug)
			}
			if strings.Contains(debug, "Capabilities:") || strings.Count(debug, "Name:\t") != 2 {
				t.Fatalf("token %s added rules or profiles:\n%s", tok, debug)
			}
			re, pcre := parserRegexp(t, parserDump(t, text, "-D", "rule-exprs"))
			if re == nil {
				if strings.Contains(pcre, "[^") {
					t.Fatalf("parser made a glob of %q: %q", p, pcre)
				}
				return
			}
			if !re.MatchString(p) {
				t.Fatalf("rule %s (parser regex %q) does not match %q", tok, pcre, p)
			}
			for _, other := range otherPaths(p) {
				if re.MatchString(other) {
					t.Errorf("rule %s (parser regex %q) for %q also matches %q", tok, pcre, p, other)
				}
			}
		})
	}
}

// otherPaths are paths a too-broad rule for p would match: p with each special character
// replaced, p extended, and files elsewhere.
func otherPaths(p string) []string {
	out := []string{p + "x", p + "/x", "/etc/shadow", "/tmp/ab", "/tmp/a", "/tmp/x,", "/tmp/x"}
	for i := 0; i < len(p); i++ {
		if strings.IndexByte(`*?[]{}^@,\"`+"\n", p[i]) >= 0 {
			out = append(out, p[:i]+"Z"+p[i+1:], p[:i]+p[i+1:])
		}
	}
	return out
}

func TestHostilePathsInGeneratedProfile(t *testing.T) {
	testutil.RequireCommand(t, ParserName)
	rec := profile.NewRecording("test", "strace")
	for _, p := range hostilePaths {
		rec.AddFile(p, "rwc", profile.Process{})
	}
	prof, err := Generate(rec, Options{Name: "hostile", Attachment: "/tmp/x {\n  /** rwx,\n}\nprofile evil /**"})
	if err != nil {
		t.Fatal(err)
	}
	text := prof.Bytes()
	if err := CheckBytes(text); err != nil {
		t.Fatal(err)
	}
	debug := parserDump(t, string(text), "--debug")
	if strings.Contains(debug, "Capabilities:") || strings.Contains(debug, "Name:\t(/**)") ||
		strings.Count(debug, "Name:\t\t") != 1 {
		t.Fatalf("hostile file names changed the profile:\n%s", text)
	}
	// Every file rule is a literal: no generalisation applies to these names except the
	// temporary-name rule, which none of them triggers.
	if len(prof.Files) != len(hostilePaths) {
		t.Fatalf("%d file rules for %d files:\n%s", len(prof.Files), len(hostilePaths), text)
	}
}

func TestQuotePattern(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/usr/bin/ls", "/usr/bin/ls"},
		{"@{PROC}/@{pid}/stat", "@{PROC}/@{pid}/stat"},
		{EscapePath("/tmp/a*b"), `"/tmp/a\*b"`},
		{EscapePath("/a b"), `"/a b"`},
		{EscapePath("/a\\"), `"/a\134"`},
		{EscapePath("/a\"b"), `"/a\042b"`},
		{EscapePath("/a\nb"), `"/a\012b"`},
		{EscapePath("/é"), `"/é"`},
		{EscapePath("/\xff"), `"/\377"`},
		{EscapePath("/a,b"), `"/a,b"`},
		{EscapePath("/@{x}"), `"/\@\{x\}"`},
	}
	for _, tt := range tests {
		if got := QuotePattern(tt.in); got != tt.want {
			t.Errorf("QuotePattern(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestValidateName(t *testing.T) {
	for _, ok := range []string{"a", "profgen-nginx", "usr.bin.foo", "x_1+2", "9lives"} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", "-x", "a b", "a\x00", "a,b", "a{b}", "/usr/bin/x", strings.Repeat("a", 201), "a\n"} {
		if err := ValidateName(bad); !errors.Is(err, ErrBadName) {
			t.Errorf("ValidateName(%q) = %v, want ErrBadName", bad, err)
		}
	}
}
