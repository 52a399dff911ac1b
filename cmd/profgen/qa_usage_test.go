package main

import (
	"strings"
	"testing"
)

// TestUsageErrorsNameTheCommand: a wrong number of arguments names the command and its
// usage line (cobra's own "accepts 2 arg(s), received 0" named neither), and a word that
// names no subcommand of a group (generate, apparmor, syscalls, completion) is refused with
// exit status 2 instead of the group's help and exit 0.
func TestUsageErrorsNameTheCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"install"}, "profgen: install: accepts 2 arg(s), received 0 (usage: profgen install [--root DIR] NAME FILE"},
		{[]string{"merge"}, "profgen: merge: requires at least 1 arg(s)"},
		{[]string{"generate", "apparmor"}, "profgen: generate apparmor: requires at least 1 arg(s)"},
		{[]string{"generate", "sccomp"}, `unknown command "sccomp" for "profgen generate"`},
		{[]string{"apparmor", "instal", "x"}, `unknown command "instal" for "profgen apparmor"`},
		{[]string{"syscalls", "lokup", "1"}, `unknown command "lokup" for "profgen syscalls"`},
		{[]string{"completion", "bsh"}, `unknown command "bsh" for "profgen completion"`},
	} {
		r := runProfgen(t, nil, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("profgen %s: exit %d, stdout %d bytes, stderr %q; want exit 2 and one line with %q",
				strings.Join(tc.args, " "), r.code, len(r.stdout), r.stderr, tc.want)
		}
	}
	// A group alone still prints its help.
	if r := runProfgen(t, nil, "generate"); r.code != 0 || !strings.Contains(r.stdout, "Available Commands") {
		t.Errorf("profgen generate: %+v", r)
	}
}

// TestAppArmorMissingFileOnce: a missing profile file is named once, after the command
// ("apparmor install: install: open ..." said the command twice).
func TestAppArmorMissingFileOnce(t *testing.T) {
	missing := t.TempDir() + "/missing.aa"
	for _, args := range [][]string{
		{"apparmor", "install", "--dry-run", missing},
		{"apparmor", "check", missing},
	} {
		r := runProfgen(t, nil, args...)
		want := "profgen: " + args[0] + " " + args[1] + ": read profile: open " + missing + ": no such file or directory\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("profgen %s: exit %d, stderr %q; want 1 and %q", strings.Join(args, " "), r.code, r.stderr, want)
		}
	}
}

// TestExecProfileErrorNamesCommand: a profile exec cannot read is reported after "exec:", as
// every other command names itself.
func TestExecProfileErrorNamesCommand(t *testing.T) {
	missing := t.TempDir() + "/missing.json"
	r := runProfgen(t, nil, "exec", "--seccomp", missing, "--", "/bin/true")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "profgen: exec: read seccomp profile") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 1 and one line starting 'profgen: exec: read seccomp profile'", r.code, r.stderr)
	}
}

// TestImportDirectory: a directory given to import (/var/log/audit for its audit.log) is named
// as one, with what to give instead ("read /tmp: read /tmp: is a directory" before).
func TestImportDirectory(t *testing.T) {
	dir := t.TempDir()
	r := runProfgen(t, nil, "import", dir)
	want := "profgen: import: " + dir + " is a directory: name the log files in it (audit.log.1 audit.log ...)\n"
	if r.code != 1 || r.stderr != want {
		t.Errorf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, want)
	}
}
