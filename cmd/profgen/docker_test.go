package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

const dockerDefault = "../../profile/data/moby-default.json"

// TestDockerDefaultProfile runs every command that reads a seccomp profile on Docker's
// default.json (Docker's format: archMap, includes/excludes, comments) and on its plain OCI
// form, what Docker and containerd load (the same names, _llseek and _newselect among them).
func TestDockerDefaultProfile(t *testing.T) {
	if syscalls.Native() != syscalls.X86_64 {
		t.Skip("the expectations are written for an x86_64 machine")
	}
	dir := t.TempDir()
	// merge of one profile writes its plain OCI form.
	r := runProfgen(t, nil, "merge", "-o", filepath.Join(dir, "oci.json"), "--kernel", "6.1", dockerDefault)
	if r.code != 0 || !strings.Contains(r.stderr, "is in Docker's format: resolved for x86_64, kernel 6.1, capabilities Docker's default set") {
		t.Fatalf("merge: %+v", r)
	}
	oci, err := profile.LoadSeccomp(filepath.Join(dir, "oci.json"))
	if err != nil {
		t.Fatalf("the merged profile is not plain OCI: %v", err)
	}
	if !slices.Equal(oci.Architectures, []specs.Arch{"SCMP_ARCH_X32", "SCMP_ARCH_X86", "SCMP_ARCH_X86_64"}) {
		t.Errorf("architectures %v", oci.Architectures)
	}
	permitted := profile.PermittedSets(oci)
	for _, n := range []string{"_llseek", "_newselect", "ptrace"} {
		if !permitted[syscalls.X86][n] {
			t.Errorf("x86: %s not permitted by the resolved profile", n)
		}
	}
	if permitted[syscalls.X86_64]["mount"] {
		t.Error("mount permitted without CAP_SYS_ADMIN")
	}
	for _, in := range []string{dockerDefault, filepath.Join(dir, "oci.json")} {
		t.Run(filepath.Base(in), func(t *testing.T) {
			if r := runProfgen(t, nil, "check", in); r.code != 0 || !strings.HasSuffix(r.stdout, "ok\n") ||
				!strings.Contains(r.stdout, "syscalls of other architectures only, skipped here: recv, riscv_hwprobe, send") {
				t.Errorf("check: %+v", r)
			}
			if r := runProfgen(t, nil, "diff", "--fail-on", "any", in, dockerDefault); r.code != 0 || r.stdout != "no changes\n" {
				t.Errorf("diff against Docker's default: %+v", r)
			}
			if r := runProfgen(t, nil, "merge", in, scTestdata(t, "golden/allow.json")); r.code != 0 {
				t.Errorf("merge with an allow-list: %+v", r)
			}
			root := filepath.Join(t.TempDir(), "profiles")
			r := runProfgen(t, nil, "install", "--root", root, "docker", in)
			if r.code != 0 || r.stdout != "localhostProfile: profiles/docker.json\n" {
				t.Fatalf("install: %+v", r)
			}
			if _, err := profile.LoadSeccomp(filepath.Join(root, "docker.json")); err != nil {
				t.Errorf("installed profile is not plain OCI: %v", err)
			}
			if r := runProfgen(t, nil, "exec", "--seccomp", in, "--", testutil.BusyboxPath, "echo", "ok"); r.code != 0 || r.stdout != "ok\n" {
				t.Errorf("exec: %+v", r)
			}
		})
	}
	// The conditions follow the flags.
	r = runProfgen(t, nil, "diff", "--json", "--caps", "SYS_ADMIN", "--kernel", "4.4", dockerDefault, filepath.Join(dir, "oci.json"))
	var d profile.Diff
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("diff --json: %v: %+v", err, r)
	}
	added := map[string]bool{}
	for _, c := range d.ABIs[0].Added {
		added[c.Name] = true
	}
	removed := map[string]bool{}
	for _, c := range d.ABIs[0].Removed {
		removed[c.Name] = true
	}
	// OLD is resolved with CAP_SYS_ADMIN only and kernel 4.4: NEW (default caps, 6.1) adds
	// ptrace and chroot, and lacks mount.
	if !added["ptrace"] || !added["chroot"] || !removed["mount"] {
		t.Errorf("diff of the two resolutions: %+v", d)
	}
	// A field of neither format is still an error.
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"defaultAction":"SCMP_ACT_ERRNO","archMapp":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	scOneLineError(t, runProfgen(t, nil, "check", bad), exitFailure, `unknown field "archMapp"`)
}
