//go:build linux && amd64

package ebpf

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder/ptrace"
)

// fileLines lists a recording's files, one line each with what a profile is made of (access,
// type, owner), and its failed files with their errors apart; sorted.
func fileLines(rec *profile.Recording) []string {
	var out []string
	for path, f := range rec.Files {
		out = append(out, fmt.Sprintf("%s %q type=%s notOwner=%v", path, f.Access, f.Type, f.NotOwner))
	}
	for path, f := range rec.FailedFiles {
		out = append(out, fmt.Sprintf("failed %s %q %v", path, f.Access, f.Errors))
	}
	sort.Strings(out)
	return out
}

// diffLines returns the lines of a missing from b and of b missing from a.
func diffLines(a, b []string) (onlyA, onlyB []string) {
	in := func(s []string) map[string]bool {
		m := map[string]bool{}
		for _, l := range s {
			m[l] = true
		}
		return m
	}
	ma, mb := in(a), in(b)
	for _, l := range a {
		if !mb[l] {
			onlyA = append(onlyA, l)
		}
	}
	for _, l := range b {
		if !ma[l] {
			onlyB = append(onlyB, l)
		}
	}
	return onlyA, onlyB
}

// recordBoth records args in dir with both backends, with paths.
func recordBoth(t *testing.T, dir string, env []string, args ...string) (ebpfRec, ptraceRec *profile.Recording) {
	t.Helper()
	res, err := Record(context.Background(), Options{Args: args, Dir: dir, Env: env, Files: true, Stdout: testutil.DevNull(t)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status() != 0 {
		t.Fatalf("%v under eBPF: exit status %d", args, res.Status())
	}
	if len(res.Lost) != 0 {
		t.Errorf("eBPF losses %v", res.Lost)
	}
	pres, err := ptrace.Record(context.Background(), ptrace.Options{Args: args, Dir: dir, Env: env, Files: true, Stdout: testutil.DevNull(t)})
	if err != nil {
		t.Fatal(err)
	}
	if pres.Status() != 0 {
		t.Fatalf("%v under ptrace: exit status %d", args, pres.Status())
	}
	return res.Recording, pres.Recording
}

// compareFiles fails the test when the two recordings' files differ: paths, access, types,
// owners and failures. (The eBPF reader looks up the type of a file that a call neither opened
// nor made a few ms after the call; the workloads here leave such files in place long enough,
// or their type is known from an earlier call.)
func compareFiles(t *testing.T, ebpfRec, ptraceRec *profile.Recording) {
	t.Helper()
	e, p := fileLines(ebpfRec), fileLines(ptraceRec)
	onlyE, onlyP := diffLines(e, p)
	if len(onlyE)+len(onlyP) > 0 {
		t.Errorf("recorded files differ\neBPF only:\n  %s\nptrace only:\n  %s", strings.Join(onlyE, "\n  "), strings.Join(onlyP, "\n  "))
	}
	if len(e) == 0 {
		t.Error("no files recorded")
	}
}

// TestPathsParityShell runs a shell script making every kind of file syscall (relative paths,
// a symbolic link to a directory, *at calls with a directory descriptor, failures) under both
// backends: the files, their access, types, owners and failures must be the same.
func TestPathsParityShell(t *testing.T) {
	requireBPF(t)
	script, _ := filepath.Abs("testdata/files.sh")
	var recs [2]*profile.Recording
	var dirs [2]string
	for i := range recs {
		dirs[i] = t.TempDir()
		if err := os.Symlink("/etc", filepath.Join(dirs[i], "lnk")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dirs[i], "pre"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Each backend in a directory of its own, then both compared with the directory's name
	// replaced.
	env := []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	e, _ := recordBoth(t, dirs[0], env, "/bin/sh", script)
	_, p := recordBoth(t, dirs[1], env, "/bin/sh", script)
	recs[0], recs[1] = e, p
	for i, rec := range recs {
		rec.Files = renamed(rec.Files, dirs[i], "WORK")
		rec.FailedFiles = renamed(rec.FailedFiles, dirs[i], "WORK")
	}
	// Types the eBPF recorder knows from the call itself or the file opened.
	for path, want := range map[string]string{"WORK/d/sub": "dir", "WORK/d/s": "symlink", "WORK/d/p": "other", "WORK/d/f": "file", "WORK/d": "dir"} {
		if f := recs[0].Files[path]; f == nil || f.Type != want {
			t.Errorf("%s: %+v, want type %s", path, f, want)
		}
	}
	// own was made by root and given to nobody: owned at the mkdir and at the chown (compared
	// with the owner before it). d/nob was chmod'ed by root after it was given away: not owned.
	if f := recs[0].Files["WORK/own"]; f == nil || f.NotOwner || !strings.Contains(f.Access, "c") {
		t.Errorf("WORK/own: %+v, want created and owned", f)
	}
	if f := recs[0].Files["WORK/d/nob"]; f == nil || !f.NotOwner {
		t.Errorf("WORK/d/nob: %+v, want not owned", f)
	}
	// echo x > pre opened a file that was there (O_CREAT without creating it).
	if f := recs[0].Files["WORK/pre"]; f == nil || f.Access != "w" {
		t.Errorf("WORK/pre: %+v, want access w", f)
	}
	// d/f was made by the first echo (the second opened it there: no creation, access merged).
	if f := recs[0].Files["WORK/d/f"]; f == nil || !strings.Contains(f.Access, "c") {
		t.Errorf("WORK/d/f: %+v, want created", f)
	}
	compareFiles(t, recs[0], recs[1])
	if f := recs[0].FailedFiles["WORK/d/nothere"]; f == nil {
		t.Error("failed open of a relative path not recorded")
	}
}

func renamed[V any](m map[string]V, from, to string) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		if k == from || strings.HasPrefix(k, from+"/") {
			k = to + strings.TrimPrefix(k, from)
		}
		out[k] = v
	}
	return out
}

// TestPathsParity32 runs a 32-bit program making file syscalls through int 0x80.
func TestPathsParity32(t *testing.T) {
	requireBPF(t)
	bin := testutil.CompileC(t, "testdata/files32.c", "-m32", "-static")
	dir := t.TempDir()
	e, p := recordBoth(t, dir, nil, bin)
	compareFiles(t, e, p)
	if f := e.Files[filepath.Join(dir, "d32", "g32")]; f == nil || !strings.Contains(f.Access, "c") {
		t.Errorf("rename target not recorded as created: %+v", f)
	}
}

// TestPathsParityPython starts Python's http.server (stopped once it listens).
func TestPathsParityPython(t *testing.T) {
	requireBPF(t)
	py := testutil.RequireCommand(t, "/usr/bin/python3")
	dir := t.TempDir()
	args := []string{py, "-c", "import http.server, socketserver, os\nsocketserver.TCPServer.allow_reuse_address = True\ns = http.server.ThreadingHTTPServer(('127.0.0.1', 0), http.server.SimpleHTTPRequestHandler)\ns.server_close()"}
	e, p := recordBoth(t, dir, nil, args...)
	compareFiles(t, e, p)
}
