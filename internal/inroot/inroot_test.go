//go:build linux

package inroot

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenDirCreatesAndOpens(t *testing.T) {
	root := t.TempDir()
	r, err := OpenRoot(root, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d, err := OpenDir(r, "etc/apparmor.d/disable", true)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if fi, err := os.Stat(filepath.Join(root, "etc/apparmor.d/disable")); err != nil || !fi.IsDir() {
		t.Fatalf("directory not made: %v", err)
	}
}

// TestOpenDirRefusesLinks: a link planted anywhere under the root, to a directory outside it,
// is refused, whether the directory is created or only opened.
func TestOpenDirRefusesLinks(t *testing.T) {
	for _, planted := range []string{"etc", "etc/apparmor.d", "etc/apparmor.d/disable"} {
		root, elsewhere := t.TempDir(), t.TempDir()
		p := filepath.Join(root, planted)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.Symlink(elsewhere, p); err != nil {
			t.Fatal(err)
		}
		r, err := OpenRoot(root, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, create := range []bool{false, true} {
			d, err := OpenDir(r, "etc/apparmor.d/disable", create)
			if !errors.Is(err, ErrUnsafe) {
				t.Errorf("link at %s (create %v): %v, want ErrUnsafe", planted, create, err)
			}
			if d != nil {
				d.Close()
			}
		}
		r.Close()
		if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
			t.Errorf("link at %s: made %v in the linked directory", planted, ents)
		}
	}
}

func TestOpenRefusesWritableByOthers(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/apparmor.d"), 0o755)
	if err := os.Chmod(filepath.Join(root, "etc/apparmor.d"), 0o777); err != nil {
		t.Fatal(err)
	}
	r, err := OpenRoot(root, false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := OpenDir(r, "etc/apparmor.d", false); !errors.Is(err, ErrUnsafe) {
		t.Errorf("world-writable profile directory: %v, want ErrUnsafe", err)
	}
	os.Chmod(root, 0o777)
	if _, err := OpenRoot(root, false); !errors.Is(err, ErrUnsafe) {
		t.Errorf("world-writable root: %v, want ErrUnsafe", err)
	}
	os.Chmod(root, 0o700)
}

// TestOpenRootRefusesOthersLinks: a link on the way to the root that another user made (in
// a sticky directory such as /tmp) is not followed.
func TestOpenRootRefusesOthersLinks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to make a link owned by another user")
	}
	dir := t.TempDir()
	sticky := filepath.Join(dir, "tmp")
	os.Mkdir(sticky, 0o755)
	os.Chmod(sticky, 0o777|os.ModeSticky)
	link := filepath.Join(sticky, "root")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	if r, err := OpenRoot(link, false); err != nil {
		t.Fatalf("own link: %v", err)
	} else {
		r.Close()
	}
	if err := os.Lchown(link, 1234, 1234); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRoot(link, false); !errors.Is(err, ErrUnsafe) {
		t.Errorf("another user's link: %v, want ErrUnsafe", err)
	}
	owned := filepath.Join(sticky, "theirs")
	os.Mkdir(owned, 0o755)
	os.Chown(owned, 1234, 1234)
	if _, err := OpenRoot(filepath.Join(owned, "profiles"), true); !errors.Is(err, ErrUnsafe) {
		t.Errorf("a directory another user owns: %v, want ErrUnsafe", err)
	}
}
