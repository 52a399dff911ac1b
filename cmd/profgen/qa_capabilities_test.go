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

// TestMergedCapabilitiesNeedEveryInput: an eBPF recording (capability checks observed) merged
// with a ptrace one (none observed) holds only the eBPF part's capabilities, so the merge must
// not claim them as the workload's whole set: generate k8s --recording refuses it and --format
// pod leaves the capabilities out, instead of "drop: [ALL]" with what one part used.
func TestMergedCapabilitiesNeedEveryInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, backend string, caps ...string) string {
		return writeCapRecording(t, filepath.Join(dir, name), backend, "read", caps...)
	}
	eb := write("ebpf.rec.json", "ebpf", "net_bind_service")
	eb2 := write("ebpf2.rec.json", "ebpf", "sys_time")
	pt := write("ptrace.rec.json", "ptrace")
	k8s := func(rec string) result {
		return runProfgen(t, nil, "generate", "k8s", "--apparmor", "p", "--pod-container", "web", "--recording", rec)
	}
	if r := k8s(eb); r.code != 0 || !strings.Contains(r.stdout, "NET_BIND_SERVICE") {
		t.Fatalf("eBPF recording: %+v", r)
	}
	merged := filepath.Join(dir, "merged.rec.json")
	if r := runProfgen(t, nil, "merge", "-o", merged, eb, pt); r.code != 0 {
		t.Fatalf("merge: %+v", r)
	}
	if r := k8s(merged); r.code != 1 || strings.Contains(r.stdout, "drop") {
		t.Errorf("generate k8s of an eBPF recording merged with a ptrace one: exit %d, want 1 (capabilities of one part only)\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := runProfgen(t, nil, "generate", "seccomp", "--format", "pod", "--pod-container", "web", "--seccomp-name", "app", eb, pt)
	if r.code != 0 || strings.Contains(r.stdout, "capabilities") {
		t.Errorf("--format pod of an eBPF and a ptrace recording: exit %d, want 0 and no capabilities\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Two eBPF recordings: their capabilities together are the set.
	both := filepath.Join(dir, "both.rec.json")
	if r := runProfgen(t, nil, "merge", "-o", both, eb, eb2); r.code != 0 {
		t.Fatalf("merge: %+v", r)
	}
	if r := k8s(both); r.code != 0 || !strings.Contains(r.stdout, "NET_BIND_SERVICE") || !strings.Contains(r.stdout, "SYS_TIME") {
		t.Errorf("generate k8s of two merged eBPF recordings: %+v", r)
	}
}

// TestK8sCapabilitiesAlone: generate k8s --recording without --apparmor writes the container's
// capabilities alone (it required an AppArmor profile name, and a pod naming one is refused
// on a node without AppArmor); the patch decodes strictly into the kind's API type.
func TestK8sCapabilitiesAlone(t *testing.T) {
	r := profile.NewRecording("profgen", "ebpf")
	r.AddSyscall(syscalls.X86_64, "read", 1, profile.Process{PID: 1})
	r.AddCapability("net_bind_service")
	rec := filepath.Join(t.TempDir(), "r.json")
	f, err := os.Create(rec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res := runProfgen(t, nil, "generate", "k8s", "--recording", rec, "--pod-container", "web", "--pod-kind", "deployment")
	if res.code != 0 {
		t.Fatalf("generate k8s --recording: %+v", res)
	}
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict([]byte(res.stdout), &d); err != nil {
		t.Fatalf("the patch does not decode strictly into a Deployment: %v\n%s", err, res.stdout)
	}
	c := d.Spec.Template.Spec.Containers
	if len(c) != 1 || c[0].Name != "web" || c[0].SecurityContext == nil || c[0].SecurityContext.Capabilities == nil ||
		c[0].SecurityContext.AppArmorProfile != nil || c[0].SecurityContext.SeccompProfile != nil ||
		len(c[0].SecurityContext.Capabilities.Add) != 1 || c[0].SecurityContext.Capabilities.Add[0] != "NET_BIND_SERVICE" ||
		len(d.Annotations) != 0 {
		t.Errorf("patch:\n%s", res.stdout)
	}
	if res := runProfgen(t, nil, "generate", "k8s", "--pod-container", "web"); res.code != 2 {
		t.Errorf("generate k8s with neither --apparmor nor --recording: %+v", res)
	}
}

// TestDiffCapabilities: diff of two eBPF recordings shows a capability the new one used and
// the old did not, and --fail-on added exits 3 for it (it said "no changes" and exited 0: a
// CI gate let a workload that newly binds port 80 through). A ptrace recording, which sees
// no capability check, gives no capability change.
func TestDiffCapabilities(t *testing.T) {
	dir := t.TempDir()
	write := func(name, backend string, caps ...string) string {
		return writeCapRecording(t, filepath.Join(dir, name), backend, "bind", caps...)
	}
	old, new, pt := write("old.json", "ebpf"), write("new.json", "ebpf", "net_bind_service"), write("pt.json", "ptrace")
	r := runProfgen(t, nil, "diff", "--fail-on", "added", old, new)
	if r.code != 3 || r.stdout != "capabilities: 1 added, 0 removed\n  + net_bind_service\n" {
		t.Errorf("diff --fail-on added OLD NEW: exit %d, stdout %q; want 3 and the capability added", r.code, r.stdout)
	}
	if r := runProfgen(t, nil, "diff", "--fail-on", "added", new, old); r.code != 0 || !strings.Contains(r.stdout, "  - net_bind_service") {
		t.Errorf("diff NEW OLD: %+v", r)
	}
	if r := runProfgen(t, nil, "diff", "--markdown", old, new); r.code != 0 || !strings.Contains(r.stdout, "**Capabilities** added: `net_bind_service`; removed: none.") {
		t.Errorf("diff --markdown: %+v", r)
	}
	if r := runProfgen(t, nil, "diff", "--fail-on", "any", pt, new); r.code != 0 || r.stdout != "no changes\n" {
		t.Errorf("diff of a ptrace and an eBPF recording: %+v", r)
	}
}

// writeCapRecording writes to path a recording by backend of one call of syscall call that
// observed the capabilities caps.
func writeCapRecording(t *testing.T, path, backend, call string, caps ...string) string {
	t.Helper()
	r := profile.NewRecording("profgen", backend)
	r.AddSyscall(syscalls.X86_64, call, 1, profile.Process{PID: 1})
	for _, c := range caps {
		r.AddCapability(c)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := r.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	return path
}
