package apparmor

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/profgen/profgen/internal/inroot"
)

// plantDisableLink makes ROOT/etc/apparmor.d/disable a link to another directory holding a
// file named like the profile, as an unprivileged user could have planted it.
func plantDisableLink(t *testing.T, h *Host) (prof, victim string) {
	t.Helper()
	prof = writeProfile(t, filepath.Join(h.Root, ProfileDir), "profgen-app", "profile profgen-app {\n}\n")
	elsewhere := t.TempDir()
	victim = filepath.Join(elsewhere, "profgen-app")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(h.Root, DisableDir)); err != nil {
		t.Fatal(err)
	}
	return prof, victim
}

func TestHostRefusesPlantedDisableLink(t *testing.T) {
	for _, step := range []string{"enable", "disable"} {
		h, ran := fakeRoot(t, true)
		prof, victim := plantDisableLink(t, h)
		var err error
		if step == "enable" {
			err = h.Enable(prof)
		} else {
			err = h.Disable(prof)
		}
		if !errors.Is(err, inroot.ErrUnsafe) {
			t.Errorf("%s through a planted link: %v, want inroot.ErrUnsafe", step, err)
		}
		if fi, err := os.Lstat(victim); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s changed the file in the linked directory: %v %v", step, fi, err)
		}
		if len(*ran) != 0 {
			t.Errorf("%s ran %q after refusing", step, *ran)
		}
	}
}

func TestHostInstallRefusesPlantedLink(t *testing.T) {
	h, _ := fakeRoot(t, true)
	src := writeProfile(t, t.TempDir(), "web", "profile web {\n}\n")
	elsewhere := t.TempDir()
	pd := filepath.Join(h.Root, ProfileDir)
	if err := os.Remove(pd); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, pd); err != nil {
		t.Fatal(err)
	}
	h.Run = nil
	h.DryRun = false
	_, err := h.Install(src, "")
	if !errors.Is(err, inroot.ErrUnsafe) {
		t.Errorf("install through a planted link: %v, want inroot.ErrUnsafe", err)
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("install wrote %v into the linked directory", ents)
	}
}

func TestHostRefusesProfileDirWritableByOthers(t *testing.T) {
	h, _ := fakeRoot(t, true)
	prof := writeProfile(t, filepath.Join(h.Root, ProfileDir), "profgen-app", "profile profgen-app {\n}\n")
	if err := os.Chmod(filepath.Join(h.Root, ProfileDir), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := h.Disable(prof); !errors.Is(err, inroot.ErrUnsafe) {
		t.Errorf("disable in a world-writable profile directory: %v, want inroot.ErrUnsafe", err)
	}
	if err := h.SetMode(prof, ModeComplain, false); !errors.Is(err, inroot.ErrUnsafe) {
		t.Errorf("complain in a world-writable profile directory: %v, want inroot.ErrUnsafe", err)
	}
}

// TestHostDisableNotBlockedByTempName: a squatter on the old fixed temporary name
// (.profgen-tmp) does not stop disable.
func TestHostDisableNotBlockedByTempName(t *testing.T) {
	h, _ := fakeRoot(t, true)
	prof := writeProfile(t, filepath.Join(h.Root, ProfileDir), "profgen-app", "profile profgen-app {\n}\n")
	squat := filepath.Join(h.Root, DisableDir, "profgen-app.profgen-tmp")
	if err := os.MkdirAll(filepath.Join(squat, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := h.Disable(prof); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if to, err := os.Readlink(filepath.Join(h.Root, DisableDir, "profgen-app")); err != nil || to != filepath.Join(ProfileDir, "profgen-app") {
		t.Errorf("disable link: %q %v", to, err)
	}
}

// TestHostEnableLeavesNonLink: enable removes only a link from the disable directory.
func TestHostEnableLeavesNonLink(t *testing.T) {
	h, _ := fakeRoot(t, true)
	prof := writeProfile(t, filepath.Join(h.Root, ProfileDir), "profgen-app", "profile profgen-app {\n}\n")
	os.MkdirAll(filepath.Join(h.Root, DisableDir), 0o755)
	f := writeProfile(t, filepath.Join(h.Root, DisableDir), "profgen-app", "not a link\n")
	if err := h.Enable(prof); err == nil {
		t.Error("enable removed a file that is not a link")
	}
	if _, err := os.Stat(f); err != nil {
		t.Errorf("file gone: %v", err)
	}
}

func TestHostSetModeKeepsMode(t *testing.T) {
	h, _ := fakeRoot(t, true)
	prof := writeProfile(t, filepath.Join(h.Root, ProfileDir), "profgen-app", "profile profgen-app {\n}\n")
	if err := h.SetMode(prof, ModeComplain, false); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(prof); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 kept", fi.Mode().Perm())
	}
}
