package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

func TestKubernetesOutputs(t *testing.T) {
	rec := scTestdata(t, "app-x86_64.rec.json")
	dir := t.TempDir()
	// SPO: a valid metadata.name from an invalid file name, apiVersion v1 unless asked.
	spo := filepath.Join(dir, "My_App.yaml")
	if r := runProfgen(t, nil, "generate", "seccomp", "--runtime", "runc", "--format", "spo", "--seccomp", spo, rec); r.code != 0 {
		t.Fatalf("spo: %+v", r)
	}
	b, _ := os.ReadFile(spo)
	if !strings.HasPrefix(string(b), "apiVersion: security-profiles-operator.x-k8s.io/v1\nkind: SeccompProfile\nmetadata:\n  name: my-app\n") {
		t.Errorf("spo:\n%s", b)
	}
	r := runProfgen(t, nil, "generate", "seccomp", "--runtime", "runc", "--format", "spo", "--spo-api-version", "v1beta1", "--seccomp-name", "web", rec)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\n") {
		t.Errorf("spo v1beta1: %+v", r)
	}
	// pod: a strategic merge patch for the kind, decoding strictly into its API type.
	r = runProfgen(t, nil, "generate", "seccomp", "--runtime", "runc", "--format", "pod", "--pod-kind", "deployment", "--pod-container", "web", "--seccomp-name", "app", rec)
	if r.code != 0 {
		t.Fatalf("pod: %+v", r)
	}
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict([]byte(r.stdout), &d); err != nil {
		t.Fatalf("the patch does not decode strictly into a Deployment: %v\n%s", err, r.stdout)
	}
	c := d.Spec.Template.Spec.Containers
	if len(c) != 1 || c[0].Name != "web" || c[0].SecurityContext == nil || c[0].SecurityContext.SeccompProfile == nil ||
		*c[0].SecurityContext.SeccompProfile.LocalhostProfile != "profiles/app.json" {
		t.Errorf("patch:\n%s", r.stdout)
	}
	// Without --runtime, one line says what to add.
	r = runProfgen(t, nil, "generate", "seccomp", "--format", "pod", "--seccomp-name", "app", rec)
	if r.code != 0 || strings.Count(r.stderr, "add --runtime runc or --runtime crun") != 1 {
		t.Errorf("no runtime warning: %+v", r)
	}
	// Architectures a consumer cannot take.
	pr := profile.NewRecording("test", "test")
	pr.AddSyscall(syscalls.PARISC, "read", 1, profile.Process{Exe: "/x"})
	pr.AddSyscall(syscalls.SH, "read", 1, profile.Process{Exe: "/x"})
	prPath := filepath.Join(dir, "parisc.rec.json")
	f, err := os.Create(prPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pr.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	r = runProfgen(t, nil, "generate", "seccomp", "--format", "spo", "--seccomp-name", "x", prPath)
	if r.code != 0 || !strings.Contains(r.stderr, "runc refuses a profile listing SCMP_ARCH_PARISC, SCMP_ARCH_SH") ||
		!strings.Contains(r.stderr, "SeccompProfile CRD refuses a profile listing SCMP_ARCH_SH") {
		t.Errorf("arch warnings: %+v", r)
	}
	// diff groups ABIs with equal changes.
	a, bb := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")
	runProfgen(t, nil, "generate", "seccomp", "--seccomp", a, rec)
	runProfgen(t, nil, "generate", "seccomp", "--runtime", "runc", "--seccomp", bb, rec)
	// install and check say, in one line each, that a profile without --runtime starts no
	// container with noNewPrivileges false; with --runtime runc they say nothing.
	r = runProfgen(t, nil, "install", "--root", filepath.Join(dir, "profiles"), "app", a)
	if r.code != 0 || strings.Count(r.stderr, "can start a container under this profile") != 1 || !strings.Contains(r.stderr, "runc lacks capget capset") {
		t.Errorf("install without runtime set: %+v", r)
	}
	if r := runProfgen(t, nil, "check", a); r.code != 0 || strings.Count(r.stdout, "generate it with --runtime runc or --runtime crun") != 1 {
		t.Errorf("check without runtime set: %+v", r)
	}
	if r := runProfgen(t, nil, "install", "--root", filepath.Join(dir, "profiles"), "app", bb); r.code != 0 || strings.Contains(r.stderr, "can start a container") {
		t.Errorf("install with runc's set: %+v", r)
	}
	r = runProfgen(t, nil, "diff", a, bb)
	if r.code != 0 || strings.Count(r.stdout, "added") != 1 || !strings.HasPrefix(r.stdout, "x32, x86, x86_64: ") {
		t.Errorf("diff not grouped: %+v", r)
	}
}

// TestDenyWarnsUnknownToLibseccomp: a deny-list naming a syscall the linked libseccomp does
// not know (uprobe, Linux 6.11, is unknown to 2.5) says that runtimes will not deny it.
func TestDenyWarnsUnknownToLibseccomp(t *testing.T) {
	if v := runProfgen(t, nil, "version"); !strings.Contains(v.stdout, "libseccomp: 2.5.") {
		t.Skipf("needs libseccomp 2.5, which does not know uprobe: %s", v.stdout)
	}
	r := runProfgen(t, nil, "generate", "seccomp", "--mode", "deny", "--deny", "uprobe,mount")
	if r.code != 0 || !strings.Contains(r.stdout, "uprobe") ||
		!strings.Contains(r.stderr, "so this deny-list does not deny them (x32, x86, x86_64: uprobe)") {
		t.Errorf("%+v", r)
	}
}
