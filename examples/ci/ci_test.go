package ci

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/testutil"
)

// The image's test script in two builds: the second makes one syscall more (statfs, from
// stat -f), which neither the first build nor runc's base set makes.
const (
	testScript1 = "#!/bin/sh\necho testing the image\nls / >/dev/null\ncat /etc/passwd >/dev/null\n"
	testScript2 = testScript1 + "stat -f / >/dev/null\n"
)

// TestCIExample runs the CI example as a build server would, twice, with runc and a
// busybox-static rootfs standing in for the image: the first build has no committed profile
// and creates it (through the Makefile fragment); the second build's tests make one syscall
// more, and the script exits 3 naming it, in the text and in the Markdown summary. Between the
// two, the profiles are tried in runc: each build's profile runs its own tests, and the
// committed profile refuses the second build's.
func TestCIExample(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.RequireCommand(t, "make")
	repo := testutil.RepoRoot(t)
	bundle := testutil.NewBusyboxBundle(t, []string{"sleep", "3600"}, nil)
	work := t.TempDir()
	out := filepath.Join(work, "profgen-out")
	profileFile := filepath.Join(work, "profiles", "app.json")
	summaryFile := filepath.Join(work, "summary.md")
	profgen := filepath.Join(work, "profgen")
	build := exec.Command("go", "build", "-o", profgen, "./cmd/profgen")
	build.Dir, build.Env = repo, append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build a static profgen: %v\n%s", err, b)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	addMounts(t, bundle, specs.Mount{Destination: "/profgen-out", Type: "bind", Source: out, Options: []string{"rbind", "rw"}},
		specs.Mount{Destination: "/profgen", Type: "bind", Source: profgen, Options: []string{"rbind", "ro"}})
	runIn := filepath.Join(repo, "examples", "ci", "runc-run.sh") + " " + bundle
	env := append(os.Environ(), "RUNC_ROOT="+t.TempDir(), "GITHUB_STEP_SUMMARY="+summaryFile)

	// Build 1, through the Makefile fragment: no committed profile, so it is created.
	writeTestScript(t, bundle, testScript1)
	mk := exec.Command("make", "--no-print-directory", "-f", filepath.Join(repo, "examples", "ci", "profgen.mk"), "profile",
		"PROFGEN="+profgen, "PROFILE="+profileFile, "PROFGEN_OUT="+out, "TEST_CMD=/app/test.sh", "RUN_IN_IMAGE="+runIn)
	mk.Dir, mk.Env = work, env
	b, err := mk.CombinedOutput()
	t.Logf("build 1:\n%s", b)
	if err != nil {
		t.Fatalf("build 1: make profile: %v", err)
	}
	if !strings.Contains(string(b), "created it from this build") {
		t.Errorf("build 1 does not say it created the profile")
	}
	committed := readProfile(t, profileFile)
	if s, _ := os.ReadFile(summaryFile); !strings.Contains(string(s), "created `"+profileFile+"`") {
		t.Errorf("build 1 summary: %q", s)
	}
	tryProfile(t, bundle, committed, true, "build 1's tests under the profile build 1 created")

	// Build 2: one syscall more. The script alone, for its exit status.
	testutil.WriteBundleConfig(t, bundle, []string{"sleep", "3600"}, nil)
	writeTestScript(t, bundle, testScript2)
	os.Remove(summaryFile)
	sh := exec.Command(filepath.Join(repo, "examples", "ci", "profgen-ci.sh"))
	sh.Dir = work
	sh.Env = append(env, "PROFGEN="+profgen, "PROFILE="+profileFile, "OUT="+out, "TEST_CMD=/app/test.sh", "RUN_IN_IMAGE="+runIn)
	var stdout, stderr bytes.Buffer
	sh.Stdout, sh.Stderr = &stdout, &stderr
	err = sh.Run()
	t.Logf("build 2:\n%s%s", stdout.String(), stderr.String())
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("build 2: profgen-ci.sh: %v, want exit status 3", err)
	}
	if want := "x86_64: 1 added, 0 removed\n  + statfs\n"; !strings.Contains(stdout.String(), want) || strings.Contains(stdout.String(), "dangerous additions:") {
		t.Errorf("build 2 output lacks %q", want)
	}
	md, _ := os.ReadFile(summaryFile)
	if !strings.Contains(string(md), "| added | `statfs` | x32, x86, x86_64 |") || !strings.Contains(string(md), "**1 syscall added**, 0 removed") {
		t.Errorf("build 2 summary:\n%s", md)
	}
	if a, _ := os.ReadFile(filepath.Join(out, "app.diff.md")); !bytes.Equal(a, md) {
		t.Errorf("app.diff.md differs from the summary")
	}
	tryProfile(t, bundle, committed, false, "build 2's tests under the committed profile")
	tryProfile(t, bundle, readProfile(t, filepath.Join(out, "app.json")), true, "build 2's tests under build 2's profile")
}

// TestWorkflowUsesFragment keeps the workflow, the fragment and the script in step.
func TestWorkflowUsesFragment(t *testing.T) {
	wf, err := os.ReadFile("profile-image.yml")
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile("profgen.mk")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"make -f examples/ci/profgen.mk profile", "path: profgen-out/", "CGO_ENABLED=0", "actions/upload-artifact"} {
		if !strings.Contains(string(wf), want) {
			t.Errorf("profile-image.yml lacks %q", want)
		}
	}
	for _, want := range []string{"PROFGEN_OUT    ?= profgen-out", "profgen-ci.sh", "no-new-privileges"} {
		if !strings.Contains(string(mk), want) {
			t.Errorf("profgen.mk lacks %q", want)
		}
	}
}

func addMounts(t *testing.T, bundle string, mounts ...specs.Mount) {
	t.Helper()
	testutil.EditBundleConfig(t, bundle, func(spec *specs.Spec) { spec.Mounts = append(spec.Mounts, mounts...) })
}

func writeTestScript(t *testing.T, bundle, script string) {
	t.Helper()
	dir := filepath.Join(bundle, "rootfs", "app")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "test.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func readProfile(t *testing.T, path string) *specs.LinuxSeccomp {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p specs.LinuxSeccomp
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return &p
}

// tryProfile runs the image's tests in runc under p and checks that they pass (or fail).
func tryProfile(t *testing.T, bundle string, p *specs.LinuxSeccomp, pass bool, what string) {
	t.Helper()
	testutil.WriteBundleConfig(t, bundle, []string{"/app/test.sh"}, p)
	o, e, err := testutil.RunBundle(t, "runc", bundle)
	if pass && err != nil {
		t.Errorf("%s: %v\n%s%s", what, err, o, e)
	}
	if !pass && err == nil {
		t.Errorf("%s: passed, want a failure", what)
	}
}
