package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/profgen/profgen/internal/testutil"
)

// TestPodFlagNames: generate k8s names the pod patch's kind and container as the seccomp pod
// patch does (--pod-kind, --pod-container); the old spellings --kind and --container still
// work, hidden from the help, and give the same patch.
func TestPodFlagNames(t *testing.T) {
	for _, cmd := range [][]string{{"generate", "k8s"}, {"generate", "seccomp"}} {
		r := runProfgen(t, nil, append(cmd, "--help")...)
		for _, want := range []string{"--pod-kind", "--pod-container"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s --help lacks %s:\n%s", strings.Join(cmd, " "), want, r.stdout)
			}
		}
	}
	help := runProfgen(t, nil, "generate", "k8s", "--help").stdout
	for _, old := range []string{"--kind", "--container"} {
		if strings.Contains(help, "  "+old+" ") {
			t.Errorf("generate k8s --help shows the old %s:\n%s", old, help)
		}
	}
	newer := runProfgen(t, nil, "generate", "k8s", "--apparmor", "p", "--pod-container", "web", "--pod-kind", "deployment")
	older := runProfgen(t, nil, "generate", "k8s", "--apparmor", "p", "--container", "web", "--kind", "deployment")
	if newer.code != 0 || older.code != 0 || newer.stdout != older.stdout || !strings.Contains(newer.stdout, "template:") {
		t.Errorf("--pod-container/--pod-kind: exit %d\n%s\n--container/--kind: exit %d\n%s", newer.code, newer.stdout+newer.stderr, older.code, older.stdout+older.stderr)
	}
	if r := runProfgen(t, nil, "generate", "k8s", "--apparmor", "p"); r.code != 2 || !strings.Contains(r.stderr, "--pod-container") {
		t.Errorf("generate k8s without a container: exit %d, stderr %q; want 2 naming --pod-container", r.code, r.stderr)
	}
}

// TestAppArmorCheckSaysAccepted: apparmor check and check --apparmor both say, one line per
// profile, that apparmor_parser accepted it; with --json and a seccomp profile the line goes
// to standard error, so standard output is the JSON report alone.
func TestAppArmorCheckSaysAccepted(t *testing.T) {
	testutil.RequireCommand(t, "apparmor_parser")
	dir := t.TempDir()
	var files []string
	for _, name := range []string{"one", "two"} {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte("abi <abi/3.0>,\nprofile "+name+" {\n  /tmp/a r,\n}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	line := func(f string) string { return f + ": AppArmor profile accepted by apparmor_parser\n" }
	r := runProfgen(t, nil, append([]string{"apparmor", "check"}, files...)...)
	if r.code != 0 || r.stdout != line(files[0])+line(files[1]) {
		t.Errorf("apparmor check: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runProfgen(t, nil, "check", "--apparmor", files[0])
	if r.code != 0 || r.stdout != line(files[0]) {
		t.Errorf("check --apparmor: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	seccompFile := filepath.Join(dir, "s.json")
	if err := os.WriteFile(seccompFile, []byte(`{"defaultAction":"SCMP_ACT_ALLOW"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runProfgen(t, nil, "check", "--json", "--apparmor", files[0], seccompFile)
	var report map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &report); err != nil || !strings.Contains(r.stderr, line(files[0])) {
		t.Errorf("check --json --apparmor: exit %d, stdout is not the JSON report alone (%v): %q, stderr %q", r.code, err, r.stdout, r.stderr)
	}
}

// TestHelpShowsNoEmptyDefaults: no flag of any command shows a meaningless "(default [])".
func TestHelpShowsNoEmptyDefaults(t *testing.T) {
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		if u := c.Flags().FlagUsages(); strings.Contains(u, "(default [])") {
			for _, l := range strings.Split(u, "\n") {
				if strings.Contains(l, "(default [])") {
					t.Errorf("%s: %s", c.CommandPath(), strings.TrimSpace(l))
				}
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
	if n < 10 {
		t.Errorf("walked %d commands only", n)
	}
	if r := runProfgen(t, nil, "import", "--help"); !strings.Contains(r.stdout, "--pid") || strings.Contains(r.stdout, "(default [])") {
		t.Errorf("import --help:\n%s", r.stdout)
	}
}
