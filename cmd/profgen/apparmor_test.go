package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/apparmor"
	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

// aaRecording is a recording of `ls` made by profgen record, shared with the apparmor
// package's golden tests.
func aaRecording(t *testing.T) string {
	return filepath.Join(testutil.RepoRoot(t), "apparmor", "testdata", "recordings", "ls.json")
}

func TestAppArmorCommandsWithoutKernelSupport(t *testing.T) {
	if (&apparmor.Host{}).KernelEnabled() == nil {
		t.Skip("this kernel has AppArmor; the test is for kernels without it")
	}
	prof := filepath.Join(t.TempDir(), "p")
	os.WriteFile(prof, []byte("profile p {\n}\n"), 0o644)
	for _, args := range [][]string{
		{"load", prof}, {"unload", "p"}, {"disable", prof}, {"enable", prof},
		{"complain", prof}, {"enforce", prof}, {"status"},
	} {
		r := runProfgen(t, nil, append([]string{"apparmor"}, args...)...)
		if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "AppArmor is not enabled in this kernel") {
			t.Errorf("profgen apparmor %v: exit %d, stderr %q; want 1 and one line", args, r.code, r.stderr)
		}
	}
}

func TestAppArmorDryRun(t *testing.T) {
	root := t.TempDir()
	prof := filepath.Join(t.TempDir(), "profgen-app")
	os.WriteFile(prof, []byte("profile profgen-app {\n}\n"), 0o644)
	r := runProfgen(t, nil, "apparmor", "--root", root, "--dry-run", "disable", prof)
	want := "ln -sf " + prof + " " + filepath.Join(root, "etc/apparmor.d/disable/profgen-app") + "\napparmor_parser -R " + prof + "\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("dry-run disable: exit %d\n%s\nwant\n%s\nstderr %s", r.code, r.stdout, want, r.stderr)
	}
	r = runProfgen(t, nil, "apparmor", "--dry-run", "--skip-cache", "load", prof)
	if r.code != 0 || r.stdout != "apparmor_parser -r -K "+prof+"\n" {
		t.Errorf("dry-run load: exit %d, %q", r.code, r.stdout)
	}
	if _, err := os.Lstat(filepath.Join(root, "etc/apparmor.d/disable/profgen-app")); err == nil {
		t.Error("dry run made the link")
	}
}

func TestAppArmorInstallAndMode(t *testing.T) {
	testutil.RequireCommand(t, apparmor.ParserName)
	dir := t.TempDir()
	prof := filepath.Join(dir, "profgen-ls")
	r := runProfgen(t, nil, "generate", "apparmor", "--name", "profgen-ls", "--apparmor", prof, aaRecording(t))
	if r.code != 0 {
		t.Fatalf("generate apparmor: exit %d: %s", r.code, r.stderr)
	}
	if r = runProfgen(t, nil, "apparmor", "check", prof); r.code != 0 {
		t.Fatalf("check: exit %d: %s", r.code, r.stderr)
	}
	root := t.TempDir()
	if r = runProfgen(t, nil, "apparmor", "--root", root, "install", prof); r.code != 0 {
		t.Fatalf("install: exit %d: %s", r.code, r.stderr)
	}
	installed := filepath.Join(root, "etc/apparmor.d/profgen-ls")
	a, _ := os.ReadFile(prof)
	b, err := os.ReadFile(installed)
	if err != nil || string(a) != string(b) {
		t.Fatalf("installed file differs or is missing: %v", err)
	}
	if r = runProfgen(t, nil, "apparmor", "complain", "--no-reload", installed); r.code != 0 {
		t.Fatalf("complain: exit %d: %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(installed); !strings.Contains(string(b), "profile profgen-ls flags=(complain) {") {
		t.Fatalf("complain did not set the flag:\n%s", b)
	}
	if r = runProfgen(t, nil, "apparmor", "check", installed); r.code != 0 {
		t.Fatalf("check after complain: %s", r.stderr)
	}
	// A broken profile is refused and nothing is installed.
	bad := filepath.Join(dir, "broken")
	os.WriteFile(bad, []byte("profile broken {\n  /x rwz,\n}\n"), 0o644)
	r = runProfgen(t, nil, "apparmor", "--root", root, "install", bad)
	if r.code != 1 || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("install of a broken profile: exit %d, %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/apparmor.d/broken")); err == nil {
		t.Error("broken profile was installed")
	}
	if r = runProfgen(t, nil, "apparmor", "check", bad); r.code != 1 {
		t.Errorf("check of a broken profile: exit %d", r.code)
	}
}

// TestGenerateAppArmorLinkedProgram: AppArmor attaches profiles to, and names in exec rules,
// a program's file after symbolic links; --attach and --exec given a link (as
// /usr/bin/python3 or /usr/bin/redis-server are) use the file it names, and say so, instead
// of a profile that confines nothing and an exec mode that is ignored.
func TestGenerateAppArmorLinkedProgram(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "server-7.0")
	link := filepath.Join(dir, "server")
	if err := os.WriteFile(real, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("server-7.0", link); err != nil {
		t.Fatal(err)
	}
	rec := profile.NewRecording("test", "test")
	rec.AddFile(real, "rx", profile.Process{Exe: real})
	recPath := filepath.Join(dir, "r.json")
	var b bytes.Buffer
	if _, err := rec.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(recPath, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runProfgen(t, nil, "generate", "apparmor", "--name", "srv", "--no-generalize", "tmp", "--attach", link, "--exec", link+"=px", recPath)
	if r.code != 0 {
		t.Fatalf("exit status %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "profile srv "+real+" {") || !strings.Contains(r.stdout, "  "+real+" rpx,\n") {
		t.Errorf("profile does not name the link's file %s:\n%s", real, r.stdout)
	}
	if strings.Count(r.stderr, "is a symbolic link to "+real) != 2 {
		t.Errorf("stderr does not say that --attach and --exec were links:\n%s", r.stderr)
	}
}

func TestGenerateAppArmorOutputs(t *testing.T) {
	testutil.RequireCommand(t, apparmor.ParserName)
	r := runProfgen(t, nil, "generate", "apparmor", "--container", "--deny-write", "/**", "--name", "ro", aaRecording(t))
	if r.code != 0 || !strings.Contains(r.stdout, "profile ro flags=(attach_disconnected, mediate_deleted) {") ||
		!strings.Contains(r.stdout, "  deny /** w,\n") {
		t.Fatalf("generate apparmor: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	again := runProfgen(t, nil, "generate", "apparmor", "--container", "--deny-write", "/**", "--name", "ro", aaRecording(t))
	if again.stdout != r.stdout {
		t.Error("output differs between two runs")
	}
	for _, bad := range [][]string{
		{"generate", "apparmor", "--name", "a/b", aaRecording(t)},
		{"generate", "apparmor", "--no-generalize", "nosuch", aaRecording(t)},
		{"generate", "apparmor", "--exec", "relative=ix", aaRecording(t)},
		{"generate", "apparmor"},
	} {
		if r := runProfgen(t, nil, bad...); r.code == 0 || strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("profgen %v: exit %d, stderr %q", bad, r.code, r.stderr)
		}
	}
}

func TestImportAppArmor(t *testing.T) {
	testutil.RequireCommand(t, apparmor.ParserName)
	log := testutil.SharedData(t, "apparmor-testsuite/test_multi/testcase_signal_01.in")
	out := filepath.Join(t.TempDir(), "imported")
	r := runProfgen(t, nil, "import", "--apparmor", out, "--apparmor-name", "pulse", log)
	if r.code != 0 {
		t.Fatalf("import: exit %d: %s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), "signal (send) set=(term) peer=/usr/bin/pulseaudio///usr/lib/pulseaudio/pulse/gconf-helper,") {
		t.Fatalf("imported profile:\n%s", b)
	}
	if err := exec.Command(apparmor.ParserName, "-Q", "-K", out).Run(); err != nil {
		t.Errorf("apparmor_parser rejected the imported profile: %v", err)
	}
}

func TestGenerateK8s(t *testing.T) {
	r := runProfgen(t, nil, "generate", "k8s", "--apparmor", "profgen-app", "--pod-container", "web")
	want := `# AppArmor profile profgen-app for container web: Kubernetes 1.30 and later
# read securityContext.appArmorProfile, older versions the annotation.
metadata:
  annotations:
    container.apparmor.security.beta.kubernetes.io/web: "localhost/profgen-app"
spec:
  containers:
  - name: "web"
    securityContext:
      appArmorProfile:
        type: Localhost
        localhostProfile: "profgen-app"
`
	if r.code != 0 || r.stdout != want {
		t.Errorf("generate k8s: exit %d\n%s\nwant\n%s", r.code, r.stdout, want)
	}
	r = runProfgen(t, nil, "generate", "k8s", "--apparmor", "p", "--pod-container", "web", "--pod-kind", "Deployment")
	if !strings.HasPrefix(r.stdout, "# AppArmor profile p for container web: Kubernetes 1.30 and later\n# read securityContext.appArmorProfile, older versions the annotation.\nspec:\n  template:\n    metadata:\n") {
		t.Errorf("deployment patch:\n%s", r.stdout)
	}
	for _, bad := range [][]string{
		{"--apparmor", "p"},
		{"--apparmor", "../p", "--pod-container", "web"},
		{"--apparmor", "p", "--pod-container", "Web_1"},
		{"--apparmor", "p", "--pod-container", "web", "--pod-kind", "service"},
	} {
		if r := runProfgen(t, nil, append([]string{"generate", "k8s"}, bad...)...); r.code != 2 {
			t.Errorf("generate k8s %v: exit %d, want 2 (%s)", bad, r.code, r.stderr)
		}
	}
}
