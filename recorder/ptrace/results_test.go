//go:build linux

package ptrace

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

// resultsScript runs a command found late in PATH (env's execvp tries each entry), lists an empty directory, makes and
// removes a mktemp -d directory, runs mkdir on a directory that is there, opens /etc with
// O_PATH and renames a PID-named file into place.
const resultsScript = `set -e
PATH=$MISSING/a:$MISSING/b:/usr/bin:/bin
env uname > /dev/null
ls "$WORK/empty" > /dev/null
d=$(mktemp -d "$WORK/job.XXXXXX")
echo x > "$d/f"
rm -r "$d"
mkdir "$WORK/empty" 2>/dev/null || :
echo data > "$WORK/temp-$$.rdb"
mv "$WORK/temp-$$.rdb" "$WORK/dump.rdb"
"$PY" -S -c 'import os; os.close(os.open("/etc", os.O_PATH)); os.close(os.open("/usr/share", os.O_PATH))'
`

func TestRecordResults(t *testing.T) {
	py := testutil.Python(t)
	for _, mode := range []Mode{ModeSeccomp, ModeSyscall} {
		t.Run(string(mode), func(t *testing.T) {
			if mode == ModeSeccomp && !seccompTraceAvailable() {
				t.Skip("the kernel has no seccomp trace action")
			}
			work := t.TempDir()
			if err := os.Mkdir(filepath.Join(work, "empty"), 0o755); err != nil {
				t.Fatal(err)
			}
			missing := filepath.Join(work, "missing")
			env := append(os.Environ(), "WORK="+work, "MISSING="+missing, "PY="+py)
			res := recordCmd(t, Options{Files: true, Mode: mode, Env: env}, "/bin/sh", "-c", resultsScript)
			if res.Status() != 0 {
				t.Fatalf("workload exit status %d", res.Status())
			}
			rec := res.Recording
			checkResults(t, rec, work, missing)
		})
	}
}

func checkResults(t *testing.T, rec *profile.Recording, work, missing string) {
	t.Helper()
	// Failed lookups are failures, not accesses.
	for _, p := range []string{missing + "/a/uname", missing + "/b/uname"} {
		if f := rec.Files[p]; f != nil {
			t.Errorf("failed exec of %s recorded as an access: %+v", p, f)
		}
		if f := rec.FailedFiles[p]; f == nil || !strings.Contains(f.Access, "x") || !strings.Contains(strings.Join(f.Errors, ","), "ENOENT") {
			t.Errorf("failed exec of %s not in the failures: %+v", p, f)
		}
	}
	trueBin, _ := filepath.EvalSymlinks("/usr/bin/uname")
	if f := rec.Files[trueBin]; f == nil || !strings.Contains(f.Access, "x") {
		t.Errorf("exec of %s not recorded: %+v", trueBin, f)
	}
	// O_PATH opens are not accesses.
	for _, p := range []string{"/etc", "/usr/share"} {
		if f := rec.Files[p]; f != nil && f.Access != "" {
			t.Errorf("O_PATH open of %s recorded as access %q", p, f.Access)
		}
	}
	// The empty directory was listed: a directory, read; mkdir found it there, which is no
	// access of its own.
	if f := rec.Files[work+"/empty"]; f == nil || f.Type != profile.FileTypeDir || f.Access != "r" {
		t.Errorf("listed empty directory: %+v, want type dir, access r", f)
	}
	if f := rec.FailedFiles[work+"/empty"]; f == nil || !strings.Contains(strings.Join(f.Errors, ","), "EEXIST") {
		t.Errorf("mkdir of an existing directory: failure %+v, want EEXIST", f)
	}
	// The mktemp directory was created and removed: a directory with access c and d.
	var tmpDir string
	for p, f := range rec.Files {
		if strings.HasPrefix(p, work+"/job.") && !strings.Contains(p[len(work)+1:], "/") {
			tmpDir = p
			if f.Type != profile.FileTypeDir || !strings.Contains(f.Access, "c") || !strings.Contains(f.Access, "d") {
				t.Errorf("mktemp -d directory %s: %+v, want a directory created and deleted", p, f)
			}
		}
	}
	if tmpDir == "" {
		t.Errorf("no mktemp -d directory recorded: %v", sortedKeys(rec.Files))
	} else if f := rec.Files[tmpDir+"/f"]; f == nil || f.Type != profile.FileTypeRegular || !strings.Contains(f.Access, "d") {
		t.Errorf("file in the mktemp directory: %+v", f)
	}
	// The PID-named file was created and renamed away; dump.rdb was created by the rename.
	var renamed bool
	for p, f := range rec.Files {
		if strings.HasPrefix(p, work+"/temp-") {
			renamed = strings.Contains(f.Access, "c") && strings.Contains(f.Access, "d")
		}
	}
	if !renamed {
		t.Errorf("temp-PID.rdb not recorded as created and renamed away: %v", sortedKeys(rec.Files))
	}
	if f := rec.Files[work+"/dump.rdb"]; f == nil || !strings.Contains(f.Access, "c") {
		t.Errorf("dump.rdb: %+v", f)
	}
}

func TestRecordDerivedCapabilities(t *testing.T) {
	testutil.RequireRoot(t)
	py := testutil.Python(t)
	dir := t.TempDir()
	// A directory root does not own, and cannot write by its permission bits.
	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(locked, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	script := `import os, socket
open(os.path.join(os.environ["LOCKED"], "f"), "w").close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.close()
os.chown(os.path.join(os.environ["LOCKED"], "f"), 65534, 65534)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.setgid(65534); os.setuid(65534)
    os.write(w, b"x")
    import time; time.sleep(10); os._exit(0)
os.read(r, 1)  # the child is another user now
os.kill(os.getpid(), 0)  # itself: no capability
os.kill(pid, 15); os.waitpid(pid, 0)
os.setgroups([]); os.setgid(65534); os.setuid(65534)
`
	env := append(os.Environ(), "LOCKED="+locked)
	res := recordCmd(t, Options{Files: true, Env: env}, py, "-S", "-c", script)
	if res.Status() != 0 {
		t.Fatalf("workload exit status %d", res.Status())
	}
	got := map[string]string{}
	for _, c := range res.Recording.DerivedCapabilities {
		got[c.Name] = c.Reason
	}
	for _, want := range []string{"setuid", "setgid", "chown", "dac_override", "dac_read_search", "kill"} {
		if got[want] == "" {
			t.Errorf("capability %s not derived; derived: %v", want, got)
		}
	}
	// A bind to an unprivileged port needs no capability.
	if r, ok := got["net_bind_service"]; ok {
		t.Errorf("net_bind_service derived from a bind to port 0: %s", r)
	}
}

// TestRecordRealDirectory checks that files named through a directory's symbolic link are
// recorded under the directory's real path, as AppArmor names them.
func TestRecordRealDirectory(t *testing.T) {
	work := t.TempDir()
	if err := os.Mkdir(filepath.Join(work, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(work, "link")); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "WORK="+work)
	res := recordCmd(t, Options{Files: true, Env: env}, "/bin/sh", "-c",
		`mkdir "$WORK/link/d" && echo x > "$WORK/link/f" && mv "$WORK/link/f" "$WORK/link/g" && rm "$WORK/link/g" && rmdir "$WORK/link/d"`)
	if res.Status() != 0 {
		t.Fatalf("workload exit status %d", res.Status())
	}
	rec := res.Recording
	real, _ := filepath.EvalSymlinks(filepath.Join(work, "real"))
	for _, n := range []string{"d", "f", "g"} {
		if f := rec.Files[filepath.Join(real, n)]; f == nil || !strings.Contains(f.Access, "d") {
			t.Errorf("%s not recorded under the real directory: %+v (files %v)", n, f, sortedKeys(rec.Files))
		}
		if f := rec.Files[filepath.Join(work, "link", n)]; f != nil && f.Access != "" {
			t.Errorf("%s recorded under the link: %+v", n, f)
		}
	}
}

// TestRecordNotOwner checks that a file root creates and a process that became another
// user opens again is marked NotOwner, and one that only its creator uses is not.
func TestRecordNotOwner(t *testing.T) {
	testutil.RequireRoot(t)
	py := testutil.Python(t)
	// Directly in /tmp, which the other user can search (t.TempDir's parent is 0700).
	dir, err := os.MkdirTemp("", "profgen-notowner-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	script := `import os, sys
d = sys.argv[1]
for n in ("shared", "mine"):
    with open(os.path.join(d, n), "w") as f: f.write("x")
os.chmod(os.path.join(d, "shared"), 0o666)
os.setgid(65534); os.setuid(65534)
open(os.path.join(d, "shared"), "a").close()
`
	res := recordCmd(t, Options{Files: true}, py, "-S", "-c", script, dir)
	if res.Status() != 0 {
		t.Fatalf("workload exit status %d", res.Status())
	}
	rec := res.Recording
	if f := rec.Files[filepath.Join(dir, "shared")]; f == nil || !f.NotOwner {
		t.Errorf("shared: %+v, want NotOwner", f)
	}
	if f := rec.Files[filepath.Join(dir, "mine")]; f == nil || f.NotOwner {
		t.Errorf("mine: %+v, want owned", f)
	}
}
