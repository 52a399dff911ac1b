package apparmor

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Profile modes, as the mode flag and the kernel's profiles file name them.
const (
	ModeEnforce  = "enforce"
	ModeComplain = "complain"
)

// headerRe matches the line that opens a top-level profile: "profile NAME [ATTACH]" or an
// attachment path, optional flags, then "{".
var headerRe = regexp.MustCompile(`^(\s*)(profile\s+` + headerToken + `(?:\s+` + headerToken + `)?|/[^\s"()]*|"/[^"]*")` +
	`(\s+flags\s*=\s*\(([^)]*)\))?\s*\{\s*(#.*)?$`)

// headerToken is a profile name or attachment in a header: quoted, or without spaces,
// quotes and parentheses.
const headerToken = `(?:"[^"]*"|[^\s"()]+)`

// SetProfileMode returns text with the flags of its first profile set for mode: complain adds
// the complain flag, enforce removes it. Other flags are kept; the rest of the text is
// unchanged.
func SetProfileMode(text []byte, mode string) ([]byte, error) {
	if mode != ModeEnforce && mode != ModeComplain {
		return nil, fmt.Errorf("mode %q is not %s or %s", mode, ModeEnforce, ModeComplain)
	}
	lines := strings.SplitAfter(string(text), "\n")
	for i, l := range lines {
		body := strings.TrimRight(l, "\n")
		t := strings.TrimSpace(body)
		if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "abi ") ||
			strings.HasPrefix(t, "include ") || strings.HasPrefix(t, "@{") || strings.HasPrefix(t, "alias ") {
			continue
		}
		m := headerRe.FindStringSubmatch(body)
		if m == nil {
			return nil, errors.New("no profile header (profile NAME ... {) before the first rule")
		}
		var flags []string
		for _, f := range strings.FieldsFunc(m[4], func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			if f != ModeComplain && f != ModeEnforce {
				flags = append(flags, f)
			}
		}
		if mode == ModeComplain {
			flags = append(flags, ModeComplain)
		}
		sort.Strings(flags)
		h := m[1] + strings.TrimRight(m[2], " \t")
		if len(flags) > 0 {
			h += " flags=(" + strings.Join(flags, ", ") + ")"
		}
		h += " {"
		if m[5] != "" {
			h += " " + m[5]
		}
		lines[i] = h + l[len(body):]
		return []byte(strings.Join(lines, "")), nil
	}
	return nil, errors.New("no profile in the file")
}

// LoadedProfile is one profile the kernel has loaded.
type LoadedProfile struct {
	Name string `json:"name"`
	Mode string `json:"mode"`
}

// Status is what the kernel has loaded, as aa-status shows it.
type Status struct {
	Profiles []LoadedProfile `json:"profiles"`
	// Modes counts profiles by mode (enforce, complain, kill, unconfined ...).
	Modes map[string]int `json:"modes"`
}

// Status reads the kernel's list of loaded profiles.
func (h *Host) Status() (*Status, error) {
	if err := h.KernelEnabled(); err != nil {
		return nil, err
	}
	f, err := os.Open(h.path(ProfilesFile))
	if err != nil {
		return nil, fmt.Errorf("read AppArmor status (as root?): %w", err)
	}
	defer f.Close()
	return parseProfiles(f)
}

func parseProfiles(f io.Reader) (*Status, error) {
	st := &Status{Profiles: []LoadedProfile{}, Modes: map[string]int{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		i := strings.LastIndex(line, " (")
		if i < 0 || !strings.HasSuffix(line, ")") {
			return nil, fmt.Errorf("read AppArmor status: unexpected line %q", line)
		}
		p := LoadedProfile{Name: line[:i], Mode: line[i+2 : len(line)-1]}
		st.Profiles = append(st.Profiles, p)
		st.Modes[p.Mode]++
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read AppArmor status: %w", err)
	}
	slices.SortFunc(st.Profiles, func(a, b LoadedProfile) int { return strings.Compare(a.Name, b.Name) })
	return st, nil
}

// Text renders the status like aa-status: counts, then the profiles of each mode.
func (st *Status) Text() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "apparmor module is loaded.\n%d profiles are loaded.\n", len(st.Profiles))
	modes := make([]string, 0, len(st.Modes))
	for m := range st.Modes {
		modes = append(modes, m)
	}
	sort.Strings(modes)
	for _, m := range modes {
		fmt.Fprintf(&b, "%d profiles are in %s mode.\n", st.Modes[m], m)
		for _, p := range st.Profiles {
			if p.Mode == m {
				fmt.Fprintf(&b, "   %s\n", p.Name)
			}
		}
	}
	return b.Bytes()
}
