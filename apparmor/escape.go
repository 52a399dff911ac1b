package apparmor

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrBadName is returned for a profile name that cannot be used safely as a profile name and
// as a file name under /etc/apparmor.d.
var ErrBadName = errors.New("invalid AppArmor profile name")

// aareSpecial are the bytes that have a meaning in an AppArmor pattern (AARE) and are escaped
// with a backslash when they stand for themselves: globs, alternation, character classes,
// variables, the escape character itself and the quote.
const aareSpecial = `\*?[]{}^@"`

// EscapePath returns the AppArmor pattern (AARE) that matches exactly path and nothing else:
// every glob, alternation, class and variable character is escaped. The result is pattern
// text, not yet a token of the profile language: QuotePattern makes it one.
func EscapePath(path string) string {
	var sb strings.Builder
	for i := 0; i < len(path); i++ {
		if strings.IndexByte(aareSpecial, path[i]) >= 0 {
			sb.WriteByte('\\')
		}
		sb.WriteByte(path[i])
	}
	return sb.String()
}

// plainPatternByte reports whether b may appear in a pattern written without quotes.
func plainPatternByte(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("/._+-:~%=*?{}@[]^", b) >= 0
}

// QuotePattern turns pattern text (as EscapePath or a generalisation rule makes it) into one
// token of the profile language. Patterns made only of plain characters are written as they
// are; any other is written in double quotes where the escape character, the quote, control
// characters and bytes that are not UTF-8 are octal escapes (\134, \042, \012 ...). A quoted
// token therefore never holds a raw quote or a backslash before its closing quote, so no file
// name can end the token early or run into the next rule.
func QuotePattern(pattern string) string {
	plain := pattern != ""
	for i := 0; i < len(pattern); i++ {
		if !plainPatternByte(pattern[i]) {
			plain = false
			break
		}
	}
	if plain {
		return pattern
	}
	var sb strings.Builder
	sb.WriteByte('"')
	for i := 0; i < len(pattern); {
		b := pattern[i]
		if b == '\\' && i+1 < len(pattern) {
			c := pattern[i+1]
			switch {
			case c == '\\' || c == '"' || c < 0x20 || c == 0x7f || c >= 0x80:
				// \134 and \042 reach the pattern as escaped literals; controls are literals.
				fmt.Fprintf(&sb, `\%03o`, c)
			default:
				sb.WriteByte('\\')
				sb.WriteByte(c)
			}
			i += 2
			continue
		}
		if b == '\\' || b == '"' || b < 0x20 || b == 0x7f {
			fmt.Fprintf(&sb, `\%03o`, b)
			i++
			continue
		}
		if b < 0x80 {
			sb.WriteByte(b)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(pattern[i:])
		if r == utf8.RuneError && n <= 1 {
			fmt.Fprintf(&sb, `\%03o`, b)
			i++
			continue
		}
		sb.WriteString(pattern[i : i+n])
		i += n
	}
	sb.WriteByte('"')
	return sb.String()
}

// QuotePath returns the profile-language token that matches exactly path.
func QuotePath(path string) string { return QuotePattern(EscapePath(path)) }

// ValidateName checks a profile name: 1 to 200 characters from letters, digits and ._+-,
// starting with a letter or digit. Such a name is also a safe file name under
// /etc/apparmor.d and a valid Kubernetes localhostProfile.
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty", ErrBadName)
	}
	if len(name) > 200 {
		return fmt.Errorf("%w %q: longer than 200 characters", ErrBadName, name[:20]+"...")
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		ok := b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
		if i > 0 && strings.IndexByte("._+-", b) >= 0 {
			ok = true
		}
		if !ok {
			return fmt.Errorf("%w %q: use letters, digits and ._+- (starting with a letter or digit)", ErrBadName, name)
		}
	}
	return nil
}

// validateUserPattern checks a pattern given by a user (--glob, --deny-write): it must start
// with / or @{ and use only characters that need no quoting, so that it is one pattern and
// cannot add syntax to the profile.
func validateUserPattern(p string) error {
	if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "@{") {
		return fmt.Errorf("pattern %q must start with / or @{", p)
	}
	for i := 0; i < len(p); i++ {
		if !plainPatternByte(p[i]) && p[i] != ',' {
			return fmt.Errorf("pattern %q: character %q is not allowed (use letters, digits, /._+-:~%%= and the globs *?{}[]^@ ,)", p, p[i])
		}
	}
	if _, err := compilePattern(p); err != nil {
		return fmt.Errorf("pattern %q: %w", p, err)
	}
	return nil
}
