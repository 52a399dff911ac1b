//go:build linux && amd64

package ebpf

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/recorder/ptrace"
)

// TestRecordPaths records opens and execs with their resolved paths, failed opens apart, and
// checks them against the ptrace recorder's files.
func TestRecordPaths(t *testing.T) {
	requireBPF(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out.txt")
	// /etc/hostname is read through a relative path and a symbolic link.
	if err := os.Symlink("/etc", filepath.Join(dir, "etc-link")); err != nil {
		t.Fatal(err)
	}
	script := "cat etc-link/hostname > /dev/null; cat /nonexistent 2> /dev/null; echo x >> " + out + "; echo y > " + out
	args := []string{"/bin/sh", "-c", script}
	res, err := Record(context.Background(), Options{Args: args, Dir: dir, Files: true, Stdout: testutil.DevNull(t)})
	if err != nil {
		t.Fatal(err)
	}
	rec := res.Recording
	for path, want := range map[string]string{"/etc/hostname": "r", out: "wac", "/usr/bin/cat": "x"} {
		f := rec.Files[path]
		if f == nil {
			t.Errorf("%s not recorded (files %v)", path, keys(rec.Files))
			continue
		}
		for _, l := range want {
			if !strings.ContainsRune(f.Access, l) {
				t.Errorf("%s: access %q lacks %q", path, f.Access, l)
			}
		}
	}
	if rec.Files["/nonexistent"] != nil {
		t.Errorf("a failed open is in files")
	}
	if f := rec.FailedFiles["/nonexistent"]; f == nil || len(f.Errors) != 1 || f.Errors[0] != "ENOENT" {
		t.Errorf("failed open of /nonexistent: %+v (failed files %v)", f, keys(rec.FailedFiles))
	}
	if len(res.Lost) != 0 {
		t.Errorf("losses %v", res.Lost)
	}

	// Every file the eBPF recorder saw opened, ptrace saw too.
	pres, err := ptrace.Record(context.Background(), ptrace.Options{Args: args, Dir: dir, Files: true, Stdout: testutil.DevNull(t)})
	if err != nil {
		t.Fatal(err)
	}
	for path, f := range rec.Files {
		if pres.Recording.Files[path] == nil {
			t.Errorf("eBPF recorded %s (%s), ptrace did not", path, f.Access)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
