package apparmor

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// seedPaths adds the hostile names and every file name of the test recordings.
func seedPaths(f *testing.F) {
	for _, p := range hostilePaths {
		f.Add(p)
	}
	files, _ := filepath.Glob("testdata/recordings/*.json")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		for _, l := range strings.Split(string(data), "\n") {
			l = strings.TrimSpace(l)
			if strings.HasPrefix(l, `"/`) && strings.HasSuffix(l, `": {`) {
				if p, err := strconv.Unquote(strings.TrimSuffix(l, ": {")); err == nil {
					f.Add(p)
				}
			}
		}
	}
}

// decodeToken reads a token the way apparmor_parser does (as the tests against the real
// parser show): in a quoted token \ooo is a byte that stands for itself, \" a quote, \n \t \r
// controls, and any other \c is kept for the pattern, where \c is the character c. It reports
// whether the token holds any unescaped glob, that is whether it could match another path.
func decodeToken(tok string) (path string, glob bool, ok bool) {
	var pat strings.Builder // pattern text after the quoted-string stage
	if strings.HasPrefix(tok, `"`) {
		if len(tok) < 2 || !strings.HasSuffix(tok, `"`) {
			return "", false, false
		}
		in := tok[1 : len(tok)-1]
		for i := 0; i < len(in); i++ {
			c := in[i]
			if c == '"' {
				return "", false, false // would end the token early
			}
			if c != '\\' {
				pat.WriteByte(c)
				continue
			}
			if i+1 == len(in) {
				return "", false, false // escapes the closing quote
			}
			i++
			switch d := in[i]; {
			case d >= '0' && d <= '7':
				if i+2 >= len(in) {
					return "", false, false
				}
				v, err := strconv.ParseUint(in[i:i+3], 8, 8)
				if err != nil {
					return "", false, false
				}
				i += 2
				if strings.IndexByte(aareSpecial, byte(v)) >= 0 {
					pat.WriteByte('\\')
				}
				pat.WriteByte(byte(v))
			case d == 'n':
				pat.WriteByte('\n')
			case d == 't':
				pat.WriteByte('\t')
			case d == 'r':
				pat.WriteByte('\r')
			case d == '"':
				pat.WriteByte('"')
			default:
				pat.WriteByte('\\')
				pat.WriteByte(d)
			}
		}
	} else {
		for i := 0; i < len(tok); i++ {
			if !plainPatternByte(tok[i]) {
				return "", false, false
			}
		}
		pat.WriteString(tok)
	}
	p := pat.String()
	var out strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			i++
			out.WriteByte(p[i])
		case c == '\\':
			return "", false, false
		case strings.IndexByte("*?[]{}^@", c) >= 0:
			glob = true
			out.WriteByte(c)
		default:
			out.WriteByte(c)
		}
	}
	return out.String(), glob, true
}

func FuzzQuotePath(f *testing.F) {
	seedPaths(f)
	f.Fuzz(func(t *testing.T, path string) {
		if strings.ContainsRune(path, 0) {
			return
		}
		tok := QuotePath(path)
		for i := 0; i < len(tok); i++ {
			if tok[i] < 0x20 || tok[i] == 0x7f {
				t.Fatalf("QuotePath(%q) = %q holds a control character", path, tok)
			}
		}
		got, glob, ok := decodeToken(tok)
		if !ok || glob || got != path {
			t.Fatalf("QuotePath(%q) = %s reads back as %q (glob %v, ok %v)", path, tok, got, glob, ok)
		}
		if path == "" || strings.Contains(path, "//") || !utf8.ValidString(path) {
			return // AppArmor collapses repeated slashes
		}
		re, err := compilePattern(EscapePath(path))
		if err != nil {
			t.Fatalf("compilePattern(EscapePath(%q)): %v", path, err)
		}
		if !re.MatchString(path) || re.MatchString(path+"x") || re.MatchString("x"+path) {
			t.Fatalf("pattern for %q matches wrongly", path)
		}
	})
}

func FuzzSetProfileMode(f *testing.F) {
	golden, _ := filepath.Glob("testdata/golden/*.apparmor")
	for _, g := range golden {
		b, _ := os.ReadFile(g)
		f.Add(b)
	}
	corpus, _ := filepath.Glob("../../shared/data/apparmor-testsuite/test_multi/*.profile")
	for _, c := range corpus {
		b, _ := os.ReadFile(c)
		f.Add(b)
	}
	f.Add([]byte("profile a flags=(complain) {\n}\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		c1, err := SetProfileMode(text, ModeComplain)
		if err != nil {
			return
		}
		c2, err := SetProfileMode(c1, ModeComplain)
		if err != nil || !bytes.Equal(c1, c2) {
			t.Fatalf("complain twice differs from once: %v\n%q\n%q", err, c1, c2)
		}
		e, err := SetProfileMode(c1, ModeEnforce)
		if err != nil {
			t.Fatalf("enforce after complain: %v", err)
		}
		if bytes.Contains(firstLineChange(c1, e), []byte("complain")) && !bytes.Contains(e, []byte("complain")) {
			return
		}
		c3, err := SetProfileMode(e, ModeComplain)
		if err != nil || !bytes.Equal(c1, c3) {
			t.Fatalf("complain, enforce, complain differs from complain: %v\n%q\n%q", err, c1, c3)
		}
	})
}

// firstLineChange returns the first line of a that differs from b.
func firstLineChange(a, b []byte) []byte {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := range la {
		if i >= len(lb) || !bytes.Equal(la[i], lb[i]) {
			return la[i]
		}
	}
	return nil
}

func FuzzCompilePattern(f *testing.F) {
	for _, r := range baseRules {
		f.Add(r.pattern)
	}
	for _, p := range []string{"@{PROC}/@{pid}/stat", "/tmp/tmp.*", "/a/**", "/{a,b}/[0-9]?", `/x\*`} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		re, err := compilePattern(p)
		if err != nil {
			return
		}
		_ = re.MatchString(p)
		if validateUserPattern(p) == nil && (strings.ContainsAny(p, " \n\"#") || !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "@{")) {
			t.Fatalf("validateUserPattern accepted %q", p)
		}
	})
}

func FuzzParseProfiles(f *testing.F) {
	f.Add([]byte("profgen-app (complain)\n/usr/bin/man (enforce)\nsnap.x//hat (enforce)\n"))
	f.Add([]byte("a (b) (kill)\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := parseProfiles(bytes.NewReader(data))
		if err != nil {
			return
		}
		n := 0
		for _, c := range st.Modes {
			n += c
		}
		if n != len(st.Profiles) {
			t.Fatalf("mode counts %v do not add up to %d profiles", st.Modes, len(st.Profiles))
		}
		_ = st.Text()
	})
}
