package apparmor

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/profgen/profgen/internal/sizelimit"
)

// ErrParserMissing is returned when apparmor_parser is not installed.
var ErrParserMissing = errors.New("apparmor_parser not found (install Debian's apparmor package)")

// ErrNoProfile is returned by Check for a file with nothing but comments and blank lines.
var ErrNoProfile = errors.New("the file holds no profile (only comments and blank lines, or nothing)")

// ParserName is the program Check and the helpers run.
const ParserName = "apparmor_parser"

// CheckArgs returns the apparmor_parser command line that checks a profile file without
// loading it: parse, resolve includes and compile, skip the kernel and the cache.
func CheckArgs(parser, path string) []string {
	return []string{parser, "-Q", "-K", path}
}

// Check runs apparmor_parser -Q -K on the profile file at path: it parses and compiles the
// profile the way loading would, without a kernel. The error holds the parser's message.
// A directory, or a file that holds nothing but comments and blank lines, is refused before
// the parser runs: apparmor_parser accepts both, and neither is a profile.
func Check(path string) error {
	text, err := sizelimit.ReadFile(path, sizelimit.AppArmorProfile, "an AppArmor profile")
	if err != nil {
		return fmt.Errorf("read profile: %w", err)
	}
	if !hasContent(text) {
		return fmt.Errorf("check %s: %w", path, ErrNoProfile)
	}
	parser, err := exec.LookPath(ParserName)
	if err != nil {
		return ErrParserMissing
	}
	if msg, err := runParser(CheckArgs(parser, path), nil); err != nil {
		return fmt.Errorf("check %s: %s", path, msg)
	}
	return nil
}

// hasContent reports whether text has a line that is not blank and not a comment.
func hasContent(text []byte) bool {
	for _, l := range strings.Split(string(text), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") || strings.HasPrefix(l, "#include") {
			return true
		}
	}
	return false
}

// CheckBytes checks profile text by writing it to a temporary file and running Check.
func CheckBytes(text []byte) error {
	f, err := os.CreateTemp("", "profgen-apparmor-*")
	if err != nil {
		return fmt.Errorf("check profile: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(text); err != nil {
		f.Close()
		return fmt.Errorf("check profile: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("check profile: %w", err)
	}
	return Check(f.Name())
}

// parserMessage joins apparmor_parser's output lines into one, without the note it prints on
// every kernel that lacks the cache interface.
func parserMessage(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "Cache read/write disabled") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "; ")
}

// runParser runs an apparmor_parser command line (args[0] is the program) with stdin, if not
// nil. On failure it returns the parser's message folded to one line (or the exit status when
// the parser said nothing) with the error.
func runParser(args []string, stdin []byte) (string, error) {
	cmd := exec.Command(args[0], args[1:]...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return "", nil
	}
	msg := parserMessage(out.String())
	if msg == "" {
		msg = err.Error()
	}
	return msg, err
}
