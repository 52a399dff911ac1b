package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
)

func TestCheckAppArmorCLI(t *testing.T) {
	testutil.RequireCommand(t, "apparmor_parser")
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(good, []byte("abi <abi/3.0>,\n#include <tunables/global>\nprofile good {\n  #include <abstractions/base>\n  /tmp/a rw,\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("profile bad {\n  /tmp/a rw\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := runProfgen(t, nil, "check", "--apparmor", good); r.code != 0 || !strings.Contains(r.stdout, "accepted") {
		t.Errorf("check --apparmor good: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r := runProfgen(t, nil, "check", "--apparmor", bad)
	if r.code != 1 || !strings.Contains(r.stderr, "syntax error") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("check --apparmor bad: code %d, stderr %q; want 1 and one line naming the syntax error", r.code, r.stderr)
	}
	if r := runProfgen(t, nil, "check"); r.code != 2 {
		t.Errorf("check with nothing to check: code %d, want 2", r.code)
	}
}
