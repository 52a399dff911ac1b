//go:build linux

package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

// TestImportRuncWorkflow is the README's Kubernetes workflow with runc in place of kubelet:
// run a container under the log profile with auditd collecting, import its records into an
// allow-list (with runc's own syscalls), and run the container again under that allow-list:
// it must work, and must fail once a syscall the workload needs is taken out.
func TestImportRuncWorkflow(t *testing.T) {
	testutil.RequireRoot(t)
	testutil.LockKernelLog(t)
	args := []string{"/bin/sh", "-c", "set -e; ls -l / > /dev/null; cat /etc/passwd > /dev/null; echo ok"}
	bundle := testutil.NewBusyboxBundle(t, args, auditProfile(t))
	dir := t.TempDir()
	capture := testutil.CaptureAuditRecords(t) // the test's own auditd, or the one that runs
	if out, errOut, err := testutil.RunBundle(t, "runc", bundle); err != nil || out != "ok\n" {
		t.Fatalf("runc under the log profile: %v: %q %s", err, out, errOut)
	}
	records := capture.Stop(t)
	app := filepath.Join(dir, "app.json")
	res := runProfgen(t, nil, "import", "--exe", "/bin/busybox", "--runtime", "runc", "--seccomp", app, records)
	if res.code != 0 {
		t.Fatalf("import: exit %d: %s", res.code, res.stderr)
	}
	if strings.Contains(res.stderr, "warning") {
		t.Errorf("import warned:\n%s", res.stderr)
	}
	allow, err := profile.LoadSeccomp(app)
	if err != nil {
		t.Fatal(err)
	}
	testutil.WriteBundleConfig(t, bundle, args, allow)
	// runc spec's bundle has noNewPrivileges true; Kubernetes runs pods with false unless
	// told: the allow-list (--runtime runc, whose default covers both) must start both.
	for _, nnp := range []bool{true, false} {
		testutil.SetNoNewPrivileges(t, bundle, nnp)
		if out, errOut, err := testutil.RunBundle(t, "runc", bundle); err != nil || out != "ok\n" {
			t.Fatalf("runc under the imported allow-list, noNewPrivileges %v: %v: %q %s", nnp, err, out, errOut)
		}
	}
	// Without getdents64 (ls reads the directory with it) the workload must fail.
	if !slices.ContainsFunc(allow.Syscalls, func(r specs.LinuxSyscall) bool { return slices.Contains(r.Names, "getdents64") }) {
		t.Fatal("the imported allow-list lacks getdents64, which ls needs")
	}
	allow = testutil.WithoutSyscall(allow, "getdents64")
	testutil.WriteBundleConfig(t, bundle, args, allow)
	if out, _, err := testutil.RunBundle(t, "runc", bundle); err == nil || out == "ok\n" {
		t.Errorf("the workload ran without getdents64 (%v, %q): the allow-list test proves nothing", err, out)
	}
}
