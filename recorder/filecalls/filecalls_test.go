package filecalls

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/profgen/profgen/profile"
)

func TestOpenAccess(t *testing.T) {
	const cloexec = 02000000
	tests := []struct {
		flags uint64
		want  string
	}{
		{ORdonly, "r"},
		{ORdonly | cloexec | ODirectory, "r"},
		{OWronly, "w"},
		{ORdwr, "rw"},
		{OWronly | OAppend, "a"},
		{OWronly | OCreat | OTrunc, "wc"},
		{ORdwr | OCreat, "rwc"},
		{ORdonly | OTrunc, "rw"},
	}
	for _, tt := range tests {
		if got := OpenAccess(tt.flags); got != tt.want {
			t.Errorf("OpenAccess(%#o) = %q, want %q", tt.flags, got, tt.want)
		}
	}
}

func TestLookupAndNames(t *testing.T) {
	names := Names()
	if len(names) != len(syscalls) {
		t.Fatalf("Names has %d names, the table %d", len(names), len(syscalls))
	}
	for i, n := range names {
		if i > 0 && names[i-1] >= n {
			t.Errorf("Names not sorted: %q before %q", names[i-1], n)
		}
		s, ok := Lookup(n)
		if !ok {
			t.Errorf("Lookup(%q) failed", n)
		}
		if len(s.Args) > 2 {
			t.Errorf("%s names %d files; the eBPF recorder reads at most 2", n, len(s.Args))
		}
		for _, a := range s.Args {
			if a.Path > 5 || a.DirFD > 5 {
				t.Errorf("%s: argument out of range: %+v", n, a)
			}
		}
	}
	if _, ok := Lookup("getpid"); ok {
		t.Error("Lookup(getpid) succeeded")
	}
	if s, _ := Lookup("renameat2"); s.Args[1].DirFD != 2 || s.Args[1].Path != 3 || s.Args[1].Access != "wc" {
		t.Errorf("renameat2's new name: %+v", s.Args[1])
	}
	if s, _ := Lookup("openat2"); !s.Open() || s.OpenFlags != FlagsOpenHow {
		t.Errorf("openat2: %+v", s)
	}
}

func TestSuccessType(t *testing.T) {
	tests := []struct {
		name  string
		flags uint64
		want  string
	}{
		{"mkdirat", 0, profile.FileTypeDir},
		{"unlinkat", 0, ""},
		{"unlinkat", AtRemoveDir, profile.FileTypeDir},
		{"symlink", 0, profile.FileTypeSymlink},
		{"execveat", 0, profile.FileTypeRegular},
		{"chmod", 0, ""},
	}
	for _, tt := range tests {
		if got := SuccessType(tt.name, tt.flags); got != tt.want {
			t.Errorf("SuccessType(%s, %#x) = %q, want %q", tt.name, tt.flags, got, tt.want)
		}
	}
	if !LookOnly("statx") || LookOnly("chmod") || !InRealDir("chmod", syscalls["chmod"]) || InRealDir("openat", syscalls["openat"]) {
		t.Error("LookOnly/InRealDir disagree with the table")
	}
	if typ, ok := MknodType("mknodat", [6]uint64{0, 0, 0o010644}); !ok || typ != profile.FileTypeOther {
		t.Errorf("MknodType(fifo) = %q, %v", typ, ok)
	}
	if typ, ok := MknodType("mknod", [6]uint64{0, 0o644}); !ok || typ != profile.FileTypeRegular {
		t.Errorf("MknodType(0644) = %q, %v", typ, ok)
	}
	if _, ok := MknodType("mkdir", [6]uint64{}); ok {
		t.Error("MknodType(mkdir) ok")
	}
	if !NeedsType("w") || NeedsType("rwd") || NeedsType("") {
		t.Error("NeedsType")
	}
	if FailedAccess(true, "") != "r" || FailedAccess(false, "") != "" || FailedAccess(false, "wc") != "wc" {
		t.Error("FailedAccess")
	}
}

func TestTypes(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("x", filepath.Join(dir, "l")); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{dir: profile.FileTypeDir, filepath.Join(dir, "l"): profile.FileTypeSymlink, filepath.Join(dir, "none"): ""} {
		if got := LstatType(path); got != want {
			t.Errorf("LstatType(%s) = %q, want %q", path, got, want)
		}
	}
	for m, want := range map[uint32]string{0o040755: profile.FileTypeDir, 0o100644: profile.FileTypeRegular,
		0o120777: profile.FileTypeSymlink, 0o010644: profile.FileTypeOther, 0o020666: profile.FileTypeOther} {
		if got := RawModeType(m); got != want {
			t.Errorf("RawModeType(%#o) = %q, want %q", m, got, want)
		}
	}
}

func TestRealDirs(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "via")); err != nil {
		t.Fatal(err)
	}
	real, _ = filepath.EvalSymlinks(real)
	var r RealDirs
	if got := r.Resolve(filepath.Join(dir, "via", "f")); got != filepath.Join(real, "f") {
		t.Errorf("Resolve through a link = %q, want %q", got, filepath.Join(real, "f"))
	}
	if got := r.Resolve("/"); got != "/" {
		t.Errorf("Resolve(/) = %q", got)
	}
	// A cached directory is kept until a call changes names.
	os.Remove(filepath.Join(dir, "via"))
	os.Symlink(dir, filepath.Join(dir, "via"))
	r.Changed("chmod")
	if got := r.Resolve(filepath.Join(dir, "via", "f")); got != filepath.Join(real, "f") {
		t.Errorf("cached Resolve = %q", got)
	}
	r.Changed("rename")
	if got := r.Resolve(filepath.Join(dir, "via", "f")); got == filepath.Join(real, "f") {
		t.Errorf("Resolve after a rename still gives %q", got)
	}
}
