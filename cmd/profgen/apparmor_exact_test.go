package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/profgen/profgen/apparmor"
	"github.com/profgen/profgen/internal/testutil"
)

// exactScript runs a command found late in PATH (env's execvp tries each entry), lists an
// empty directory, makes and removes a mktemp -d directory, runs mkdir on a directory that
// is there, renames a PID-named temporary file into place, opens a directory with O_PATH and
// reads a symbolic link (AppArmor does not mediate readlink).
const exactScript = `set -e
PATH=$WORK/missing/a:$WORK/missing/b:/usr/bin:/bin
env uname > /dev/null
ls "$WORK/empty" > /dev/null
d=$(mktemp -d "$WORK/job.XXXXXX")
echo x > "$d/f"
rm -r "$d"
mkdir "$WORK/empty" 2>/dev/null || :
echo data > "$WORK/temp-$$.rdb"
mv "$WORK/temp-$$.rdb" "$WORK/dump.rdb"
python3 -S -c 'import os, sys; os.close(os.open(sys.argv[1], os.O_PATH))' "$WORK/opath"
readlink "$WORK/link" > /dev/null
`

// recordProfile records args with the AppArmor output and returns the profile's rule lines
// (comments and blank lines left out), after apparmor_parser has compiled it.
func recordProfile(t *testing.T, env []string, extra []string, args ...string) []string {
	t.Helper()
	dir := t.TempDir()
	prof := filepath.Join(dir, "profile")
	all := append([]string{"record", "--recording", filepath.Join(dir, "rec.json"), "--apparmor", prof, "--apparmor-name", "exact"}, extra...)
	cmd := profgenCommand(append(append(all, "--"), args...)...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("profgen record: %v\n%s", err, out)
	}
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	testutil.RequireCommand(t, apparmor.ParserName)
	if err := apparmor.Check(prof); err != nil {
		t.Errorf("apparmor_parser -Q -K: %v\n%s", err, b)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	return lines
}

// exactWorkDir makes the work directory exactScript runs in: empty and opath directories and
// link, a symbolic link to empty.
func exactWorkDir(t *testing.T) string {
	t.Helper()
	work := t.TempDir()
	for _, d := range []string{"empty", "opath"} {
		if err := os.Mkdir(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("empty", filepath.Join(work, "link")); err != nil {
		t.Fatal(err)
	}
	return work
}

func TestAppArmorExactShell(t *testing.T) {
	testutil.RequireCommand(t, "python3")
	work := exactWorkDir(t)
	env := append(os.Environ(), "WORK="+work)
	// The tmp rule would generalise the test's own temporary directory: off, so that only
	// what the workload did shapes the names.
	lines := recordProfile(t, env, []string{"--apparmor-no-generalize", "tmp"}, "/bin/sh", "-c", exactScript)
	var mine []string
	for _, l := range lines {
		if strings.Contains(l, work) {
			mine = append(mine, strings.ReplaceAll(l, work, "WORK"))
		}
	}
	// Exactly these rules name the work directory: the listed directory with its slash and
	// no rule for mkdir's EEXIST; the mktemp directory and its file with * for the random
	// suffix; the PID-named file with * for the PID and the file it became, exact; nothing
	// for the PATH entries that were tried, nothing for the O_PATH open or the link read.
	want := []string{
		"owner WORK/dump.rdb w,",
		"WORK/empty/ r,",
		"owner WORK/job.*/ rw,", // rm -r lists it
		"owner WORK/job.*/f w,",
		"owner WORK/temp-*.rdb rw,",
	}
	if !slices.Equal(mine, want) {
		t.Errorf("rules for the work directory:\n%s\nwant:\n%s\nprofile:\n%s", strings.Join(mine, "\n"), strings.Join(want, "\n"), strings.Join(lines, "\n"))
	}
	uname, _ := filepath.EvalSymlinks("/usr/bin/uname")
	if !slices.Contains(lines, uname+" ix,") {
		t.Errorf("no %s ix rule:\n%s", uname, strings.Join(lines, "\n"))
	}
}

func TestAppArmorExactPythonStartup(t *testing.T) {
	py := testutil.RequireCommand(t, "python3")
	// Python's tempfile probes the temporary directory with a file of a random name (letters
	// alone) before mkdtemp makes its own.
	lines := recordProfile(t, os.Environ(), nil, py, "-c", "import json, email.parser, os, tempfile; os.rmdir(tempfile.mkdtemp())")
	text := strings.Join(lines, "\n")
	// The interpreter's probes for files that are not there get no rule.
	for _, probe := range []string{"pyvenv.cfg", "._pth", "pybuilddir.txt", "glibc-hwcaps"} {
		if strings.Contains(text, probe) {
			t.Errorf("rule for a failed probe %q:\n%s", probe, text)
		}
	}
	// Python lists its working directory (sys.path[0] with -c): the test's package
	// directory, which is under /tmp when the checkout is; that name is not the workload's.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^(owner )?/tmp/[^*\s]*\s`).FindAllString(text, -1) {
		if name := strings.TrimSpace(strings.TrimPrefix(m, "owner ")); strings.TrimSuffix(name, "/") != wd {
			t.Errorf("per-run temporary name %q:\n%s", m, text)
		}
	}
	// The program is named by its file.
	exe, _ := filepath.EvalSymlinks(py)
	if !regexp.MustCompile("(?m)^" + regexp.QuoteMeta(exe) + " r?ix,$").MatchString(text) {
		t.Errorf("no exec rule for %s:\n%s", exe, text)
	}
}

// TestAppArmorDemoHasNoPerRunName records make demo's workload: its mktemp -d directory is
// written with * for the random suffix.
func TestAppArmorDemoHasNoPerRunName(t *testing.T) {
	app, _ := filepath.Abs("../../examples/hello/app.sh")
	lines := recordProfile(t, os.Environ(), nil, app)
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, "owner /tmp/profgen-example.*/ w") && !strings.Contains(text, "owner /tmp/profgen-example.*/ rw") {
		t.Errorf("no rule for the demo's temporary directory:\n%s", text)
	}
	if m := regexp.MustCompile(`profgen-example\.[^*]`).FindString(text); m != "" {
		t.Errorf("per-run name %q in the profile:\n%s", m, text)
	}
}
