package apparmor

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// patternVars are the variables of Debian's tunables that generated profiles and the
// abstraction table use, with their values as AppArmor patterns.
var patternVars = map[string][]string{
	"PROC": {"/proc/"},
	"pid":  {pidPattern},
	"tid":  {pidPattern},
	"sys":  {"/sys/"},
	// @{HOME} is @{HOMEDIRS}/*/ and /root/.
	"HOME":      {"/home/*/", "/root/"},
	"HOMEDIRS":  {"/home/"},
	"multiarch": {"*-linux-gnu*"},
}

// pidPattern is the value of @{pid} in tunables/kernelvars: a decimal process id.
const pidPattern = "{[1-9],[1-9][0-9],[1-9][0-9][0-9],[1-9][0-9][0-9][0-9],[1-9][0-9][0-9][0-9][0-9],[1-9][0-9][0-9][0-9][0-9][0-9],[1-4][0-9][0-9][0-9][0-9][0-9][0-9]}"

var errUnknownVariable = errors.New("unknown variable")

// compilePattern turns an AppArmor pattern into a Go regular expression that matches the
// same paths: * is any run of characters but /, ** any run, ? one character but /, {a,b}
// alternation, [...] a class, \c the character c, @{var} the variable's values. Repeated
// slashes match one slash, as AppArmor collapses them.
// Patterns that are not UTF-8 are refused: Go's regexp cannot match single bytes.
func compilePattern(p string) (*regexp.Regexp, error) {
	if !utf8.ValidString(p) {
		return nil, errors.New("pattern is not UTF-8")
	}
	re, err := patternRegexp(p, 0)
	if err != nil {
		return nil, err
	}
	return regexp.Compile(`\A(?s:` + re + `)\z`)
}

func patternRegexp(p string, depth int) (string, error) {
	if depth > 4 {
		return "", errors.New("variables nest too deeply")
	}
	var sb strings.Builder
	braces := 0
	lastSlash := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		slash := false
		switch {
		case c == '\\':
			if i+1 == len(p) {
				return "", errors.New("pattern ends with a backslash")
			}
			_, n := utf8.DecodeRuneInString(p[i+1:])
			sb.WriteString(regexp.QuoteMeta(p[i+1 : i+1+n]))
			i += n
		case c == '@' && i+1 < len(p) && p[i+1] == '{':
			end := strings.IndexByte(p[i:], '}')
			if end < 0 {
				return "", errors.New("unterminated @{")
			}
			name := p[i+2 : i+end]
			vals, ok := patternVars[name]
			if !ok {
				return "", fmt.Errorf("%w @{%s}", errUnknownVariable, name)
			}
			alts := make([]string, len(vals))
			for j, v := range vals {
				r, err := patternRegexp(v, depth+1)
				if err != nil {
					return "", err
				}
				alts[j] = r
			}
			sb.WriteString("(?:" + strings.Join(alts, "|") + ")")
			i += end
			slash = strings.HasSuffix(vals[0], "/")
		case c == '*':
			if i+1 < len(p) && p[i+1] == '*' {
				sb.WriteString(`[^\x00]*`)
				for i+1 < len(p) && p[i+1] == '*' {
					i++
				}
			} else {
				sb.WriteString(`[^/\x00]*`)
			}
		case c == '?':
			sb.WriteString(`[^/\x00]`)
		case c == '{':
			braces++
			sb.WriteString("(?:")
		case c == '}':
			if braces == 0 {
				return "", errors.New("unbalanced }")
			}
			braces--
			sb.WriteString(")")
		case c == ',' && braces > 0:
			sb.WriteString("|")
		case c == '[':
			end := strings.IndexByte(p[i+1:], ']')
			if end < 0 {
				return "", errors.New("unterminated [")
			}
			class := p[i+1 : i+1+end]
			if strings.ContainsAny(class, `\[`) {
				return "", errors.New("escapes inside [] are not supported")
			}
			sb.WriteString("[" + class + "]")
			i += end + 1
		case c == '/':
			slash = true
			if !lastSlash {
				sb.WriteString("/+")
			}
		case c == 0:
			return "", errors.New("NUL in pattern")
		default:
			_, n := utf8.DecodeRuneInString(p[i:])
			sb.WriteString(regexp.QuoteMeta(p[i : i+n]))
			i += n - 1
		}
		lastSlash = slash
	}
	if braces != 0 {
		return "", errors.New("unbalanced {")
	}
	return sb.String(), nil
}

// isGlob reports whether pattern p has any unescaped glob, alternation, class or variable.
func isGlob(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '*', '?', '{', '[', '@':
			return true
		}
	}
	return false
}
