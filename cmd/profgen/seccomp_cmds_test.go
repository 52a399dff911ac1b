package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/seccomp"
	"github.com/profgen/profgen/syscalls"
)

// scTestdata returns the path of a file in profile/testdata.
func scTestdata(t *testing.T, name string) string {
	return filepath.Join(testutil.RepoRoot(t), "profile", "testdata", name)
}

func scWrite(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// scOneLineError checks a failed run: the status, and one line on stderr naming what failed.
func scOneLineError(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit status %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	msg := strings.TrimSuffix(r.stderr, "\n")
	if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "profgen: ") {
		t.Errorf("stderr is not one profgen: line: %q", r.stderr)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("stderr %q does not contain %q", msg, want)
	}
}

func TestExecDeniesUname(t *testing.T) {
	if _, err := seccomp.LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	testutil.RequireCommand(t, "uname")
	testutil.LockKernelLog(t) // the audit profile below logs to the kernel log
	dir := t.TempDir()
	deny := scWrite(t, dir, "deny.json", "")
	r := runProfgen(t, nil, "generate", "seccomp", "--mode", "deny", "--deny", "uname", "--seccomp", deny)
	if r.code != 0 {
		t.Fatalf("generate: %+v", r)
	}
	r = runProfgen(t, nil, "exec", "--seccomp", deny, "--", "uname", "-s")
	if r.code == 0 || !strings.Contains(r.stderr, "Operation not permitted") {
		t.Errorf("uname under a profile denying it: status %d, stderr %q; want EPERM", r.code, r.stderr)
	}
	// The same command runs under a profile that denies something else, and the exit status
	// is the command's own.
	other := scWrite(t, dir, "other.json", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO"}]}`)
	if r := runProfgen(t, nil, "exec", "--seccomp", other, "--", "uname", "-s"); r.code != 0 || r.stdout != "Linux\n" {
		t.Errorf("uname under a profile denying mount: %+v", r)
	}
	if r := runProfgen(t, nil, "exec", "--seccomp", other, "--", "sh", "-c", "exit 7"); r.code != 7 {
		t.Errorf("exit status %d, want the command's 7", r.code)
	}
	// The audit profile lets everything run.
	logp := scWrite(t, dir, "log.json", "")
	runProfgen(t, nil, "generate", "seccomp", "--mode", "log", "--seccomp", logp)
	if r := runProfgen(t, nil, "exec", "--seccomp", logp, "--", "uname", "-s"); r.code != 0 || r.stdout != "Linux\n" {
		t.Errorf("uname under the audit profile: %+v", r)
	}
	scOneLineError(t, runProfgen(t, nil, "exec", "--", "true"), exitUsage, "--seccomp FILE is required")
	scOneLineError(t, runProfgen(t, nil, "exec", "--seccomp", other, "--", "/no/such/cmd"), exitNotFound, "/no/such/cmd")
}

func TestGenerateSeccompCLI(t *testing.T) {
	if syscalls.Native() != syscalls.X86_64 {
		t.Skip("golden files were made on x86_64")
	}
	rec := scTestdata(t, "app-x86_64.rec.json")
	tests := []struct {
		args   []string
		golden string
	}{
		{[]string{"generate", "seccomp", rec}, "allow.json"},
		{[]string{"generate", "seccomp", "--runtime", "runc", rec}, "allow-runc.json"},
		{[]string{"generate", "seccomp", "--mode", "complain", rec}, "complain.json"},
		{[]string{"generate", "seccomp", "--mode", "log"}, "log.json"},
		{[]string{"generate", "seccomp", "--mode", "deny", rec}, "deny.json"},
		{[]string{"generate", "seccomp", "--mode", "deny", "--deny", "ptrace,mount", "--deny", "kexec_load", rec}, "deny-names.json"},
		{[]string{"generate", "seccomp", "--runtime", "runc", "--format", "spo", "--seccomp-name", "web", rec}, "allow-spo.yaml"},
		{[]string{"generate", "seccomp", "--format", "pod", "--seccomp-name", "web", rec}, "allow-pod.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			r := runProfgen(t, nil, tc.args...)
			if r.code != 0 {
				t.Fatalf("%v: %+v", tc.args, r)
			}
			want, err := os.ReadFile(scTestdata(t, filepath.Join("golden", tc.golden)))
			if err != nil {
				t.Fatal(err)
			}
			if r.stdout != string(want) {
				t.Errorf("output differs from %s:\n%s", tc.golden, r.stdout)
			}
		})
	}
	// --seccomp FILE writes the file; the name of spo/pod output defaults to its base name.
	dir := t.TempDir()
	out := filepath.Join(dir, "web.yaml")
	if r := runProfgen(t, nil, "generate", "seccomp", "--format", "pod", "--seccomp", out, rec); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), "localhostProfile: profiles/web.json") {
		t.Errorf("pod snippet: %s", b)
	}
}

// TestGenerateSeccompBadInput: each bad input gives one error line and leaves the existing
// output file as it was.
func TestGenerateSeccompBadInput(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(scTestdata(t, "app-x86_64.rec.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := scWrite(t, dir, "out.json", "previous profile\n")
	tests := []struct {
		name, recording string
		args            []string
		code            int
		want            string
	}{
		{"truncated", string(good[:len(good)/2]), nil, exitFailure, "unexpected EOF"},
		{"unknown ABI", strings.Replace(string(good), `"x86_64"`, `"vax"`, 1), nil, exitFailure, `unknown ABI "vax"`},
		{"hostile name", strings.Replace(string(good), `"brk"`, `"../../etc/passwd"`, 1), nil, exitFailure, `bad syscall name "../../etc/passwd"`},
		{"newline name", strings.Replace(string(good), `"brk"`, `"brk\nmount"`, 1), nil, exitFailure, "bad syscall name"},
		{"unknown version", strings.Replace(string(good), `"version": 1`, `"version": 9`, 1), nil, exitFailure, "unsupported recording version 9"},
		{"unknown mode", string(good), []string{"--mode", "audit"}, exitUsage, `"audit" is not one of allow, deny, log, complain`},
		{"unknown runtime", string(good), []string{"--runtime", "docker"}, exitUsage, `"docker" is not one of none, runc, crun`},
		{"unknown format", string(good), []string{"--format", "xml"}, exitUsage, `"xml" is not one of oci, spo, pod`},
		{"hostile deny name", string(good), []string{"--mode", "deny", "--deny", "../x"}, exitFailure, `bad syscall name "../x"`},
		{"unknown deny name", string(good), []string{"--mode", "deny", "--deny", "nosuchcall"}, exitFailure, `"nosuchcall" is not a syscall`},
		{"hostile spo name", string(good), []string{"--format", "spo", "--seccomp-name", "../web"}, exitUsage, "is not a Kubernetes name"},
		{"hostile pod name", string(good), []string{"--format", "pod", "--seccomp-name", "../web"}, exitUsage, "contains /"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := scWrite(t, dir, "in.json", tc.recording)
			args := append([]string{"generate", "seccomp", "--seccomp", out}, tc.args...)
			r := runProfgen(t, nil, append(args, in)...)
			scOneLineError(t, r, tc.code, tc.want)
			if b, _ := os.ReadFile(out); string(b) != "previous profile\n" {
				t.Errorf("output file changed: %q", b)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, ".out.json.tmp-*")); len(m) > 0 {
				t.Errorf("temporary files left: %v", m)
			}
		})
	}
	scOneLineError(t, runProfgen(t, nil, "generate", "seccomp"), exitUsage, "--mode allow needs at least one RECORDING")
}

func TestMergeCLI(t *testing.T) {
	dir := t.TempDir()
	x86 := scTestdata(t, "app-x86_64.rec.json")
	arm := scTestdata(t, "app-aarch64.rec.json")
	out := filepath.Join(dir, "all.rec.json")
	if r := runProfgen(t, nil, "merge", "-o", out, x86, arm); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	rec, err := profile.LoadRecording(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.ABIs(); len(got) != 2 || rec.Syscalls[syscalls.AARCH64]["clone"] == nil || rec.Syscalls[syscalls.X86_64]["mount"] == nil {
		t.Errorf("merged recording: ABIs %v", got)
	}
	// Profiles: the union of what each allows; a name allowed by one leaves the other's
	// ENOSYS rule.
	a := scWrite(t, dir, "a.json", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},{"names":["clone3","statx"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}`)
	b := scWrite(t, dir, "b.json", `{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_AARCH64"],"syscalls":[{"names":["statx","openat"],"action":"SCMP_ACT_ALLOW"}]}`)
	r := runProfgen(t, nil, "merge", a, b)
	want := `{
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 1,
  "architectures": [
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_X86_64"
  ],
  "syscalls": [
    {
      "names": [
        "openat",
        "read",
        "statx",
        "write"
      ],
      "action": "SCMP_ACT_ALLOW"
    },
    {
      "names": [
        "clone3"
      ],
      "action": "SCMP_ACT_ERRNO",
      "errnoRet": 38
    }
  ]
}
`
	if r.code != 0 || r.stdout != want {
		t.Errorf("merged profiles: %+v", r)
	}
	// Deny-lists: a syscall stays denied only if every input denies it.
	d1 := scWrite(t, dir, "d1.json", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount","ptrace"],"action":"SCMP_ACT_ERRNO"}]}`)
	d2 := scWrite(t, dir, "d2.json", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount","bpf"],"action":"SCMP_ACT_ERRNO"}]}`)
	if r := runProfgen(t, nil, "merge", d1, d2); r.code != 0 || !strings.Contains(r.stdout, `"mount"`) || strings.Contains(r.stdout, "ptrace") || strings.Contains(r.stdout, "bpf") {
		t.Errorf("merged deny-lists: %+v", r)
	}
	scOneLineError(t, runProfgen(t, nil, "merge", "-o", out, x86, a), exitUsage, "mix recordings and seccomp profiles")
	scOneLineError(t, runProfgen(t, nil, "merge", a, d1), exitFailure, "default action")
	bad := scWrite(t, dir, "bad.json", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_PERMIT"}]}`)
	scOneLineError(t, runProfgen(t, nil, "merge", a, bad), exitFailure, "bad.json")
}

func TestDiffCLI(t *testing.T) {
	dir := t.TempDir()
	old := scWrite(t, dir, "old.json", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read","write","close"],"action":"SCMP_ACT_ALLOW"}]}`)
	new := scWrite(t, dir, "new.json", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read","write","mount","openat"],"action":"SCMP_ACT_ALLOW"}]}`)
	r := runProfgen(t, nil, "diff", old, new)
	want := "dangerous additions:\n  mount: " + profile.DangerReason("mount") + "\n" +
		"x86_64: 2 added, 1 removed\n  + mount  (dangerous)\n  + openat\n  - close\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("diff: %+v\nwant %q", r, want)
	}
	// --markdown: dangerous additions first, with the reason; the status still follows --fail-on.
	r = runProfgen(t, nil, "diff", "--markdown", "--fail-on", "added", old, new)
	wantMD := "### profgen: seccomp changes from `" + old + "` to `" + new + "`\n\n" +
		"**2 syscalls added, 1 of them dangerous**, 1 removed. Review the dangerous additions before accepting the new profile: each widens what a compromised workload can do to the host.\n\n" +
		"| change | syscall | ABIs | why it matters |\n|---|---|---|---|\n" +
		"| **added, dangerous** | `mount` | x86_64 | mounts file systems, changing what the container can see; Docker's default profile allows it only with CAP_SYS_ADMIN |\n" +
		"| added | `openat` | x86_64 |  |\n" +
		"| removed | `close` | x86_64 | |\n"
	if r.code != exitChanged || r.stdout != wantMD {
		t.Errorf("diff --markdown: status %d\n%s\nwant\n%s", r.code, r.stdout, wantMD)
	}
	if r := runProfgen(t, nil, "diff", "--markdown", old, old); r.code != 0 || !strings.HasSuffix(r.stdout, "No syscall added or removed.\n") {
		t.Errorf("diff --markdown of equal profiles: %+v", r)
	}
	scOneLineError(t, runProfgen(t, nil, "diff", "--markdown", "--json", old, new), exitUsage, "exclude each other")
	r = runProfgen(t, nil, "diff", "--json", old, new)
	var d profile.Diff
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil || d.Added != 2 || d.Removed != 1 || len(d.DangerousAdded) != 1 {
		t.Errorf("diff --json: %v %+v", err, d)
	}
	for _, tc := range []struct {
		failOn   string
		old, new string
		code     int
	}{
		{"added", old, new, exitChanged}, {"removed", old, new, exitChanged}, {"any", old, new, exitChanged},
		{"added", new, new, 0}, {"any", old, old, 0},
	} {
		if r := runProfgen(t, nil, "diff", "--fail-on", tc.failOn, tc.old, tc.new); r.code != tc.code {
			t.Errorf("--fail-on %s: status %d, want %d", tc.failOn, r.code, tc.code)
		}
	}
	onlyRemoved := scWrite(t, dir, "fewer.json", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`)
	if r := runProfgen(t, nil, "diff", "--fail-on", "added", old, onlyRemoved); r.code != 0 {
		t.Errorf("--fail-on added with only removals: status %d", r.code)
	}
	// Recordings diff per ABI.
	r = runProfgen(t, nil, "diff", scTestdata(t, "app-x86_64.rec.json"), scTestdata(t, "app-aarch64.rec.json"))
	if r.code != 0 || !strings.Contains(r.stdout, "aarch64: 6 added, 0 removed") || !strings.Contains(r.stdout, "x86_64: 0 added, 13 removed") {
		t.Errorf("recording diff: %+v", r)
	}
	scOneLineError(t, runProfgen(t, nil, "diff", old, scTestdata(t, "app-x86_64.rec.json")), exitUsage, "not one of each")
	scOneLineError(t, runProfgen(t, nil, "diff", "--fail-on", "more", old, new), exitUsage, "--fail-on")
	trunc := scWrite(t, dir, "trunc.json", `{"defaultAction":"SCMP_ACT_ERRNO","sysc`)
	scOneLineError(t, runProfgen(t, nil, "diff", old, trunc), exitFailure, "truncated JSON")
}

func TestInstallCLI(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "seccomp", "profiles")
	good := scTestdata(t, filepath.Join("golden", "allow.json"))
	r := runProfgen(t, nil, "install", "--root", root, "web", good)
	if r.code != 0 || r.stdout != "localhostProfile: profiles/web.json\n" {
		t.Fatalf("install: %+v", r)
	}
	want, _ := os.ReadFile(good)
	if got, _ := os.ReadFile(filepath.Join(root, "web.json")); string(got) != string(want) {
		t.Errorf("installed file differs")
	}
	bad := scWrite(t, dir, "bad.json", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_PDP11"]}`)
	trunc := scWrite(t, dir, "trunc.json", string(want[:40]))
	for _, tc := range []struct {
		name, file string
		code       int
		msg        string
	}{
		{"web", bad, exitFailure, `architecture "SCMP_ARCH_PDP11"`},
		{"web", trunc, exitFailure, "truncated JSON"},
		{"web", scTestdata(t, "app-x86_64.rec.json"), exitFailure, "this is a profgen recording, not a seccomp profile"},
		{"../web", good, exitUsage, "contains /"},
		{"..", good, exitUsage, "contains .."},
		{"", good, exitUsage, "empty"},
		{"a\x01b", good, exitUsage, "control character"},
	} {
		r := runProfgen(t, nil, "install", "--root", root, tc.name, tc.file)
		scOneLineError(t, r, tc.code, tc.msg)
		if got, _ := os.ReadFile(filepath.Join(root, "web.json")); string(got) != string(want) {
			t.Errorf("%q %s: the installed profile changed", tc.name, tc.file)
		}
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("files in %s: %v, want web.json only", root, entries)
	}
	// A failing write (the target is a directory) leaves everything as it was.
	if err := os.Mkdir(filepath.Join(root, "dir.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	scOneLineError(t, runProfgen(t, nil, "install", "--root", root, "dir", good), exitFailure, "dir.json")
	if m, _ := filepath.Glob(filepath.Join(root, ".*tmp*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

func TestCheckCLI(t *testing.T) {
	if _, err := seccomp.LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	bpf := filepath.Join(dir, "app.bpf")
	r := runProfgen(t, nil, "check", "--bpf", bpf, scTestdata(t, filepath.Join("golden", "allow-runc.json")))
	if r.code != 0 || !strings.Contains(r.stdout, "x86_64: ") || !strings.Contains(r.stdout, "dangerous syscalls allowed (Docker's default profile blocks them): mount") || !strings.HasSuffix(r.stdout, "ok\n") {
		t.Errorf("check: %+v", r)
	}
	if st, err := os.Stat(bpf); err != nil || st.Size() == 0 || st.Size()%8 != 0 {
		t.Errorf("--bpf output: %v %v", st, err)
	}
	missing := scWrite(t, dir, "noexit.json", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"names":["read","execve","rt_sigreturn","nosuchcall"],"action":"SCMP_ACT_ALLOW"}]}`)
	r = runProfgen(t, nil, "check", "--bpf", filepath.Join(dir, "no.bpf"), missing)
	if r.code != exitFailure || !strings.Contains(r.stdout, "error: essential syscalls not allowed: exit, exit_group") ||
		!strings.Contains(r.stdout, "error: not a syscall on any architecture") || !strings.Contains(r.stdout, "nosuchcall") {
		t.Errorf("check of a broken profile: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "no.bpf")); err == nil {
		t.Error("--bpf written for a profile with errors")
	}
	r = runProfgen(t, nil, "check", "--json", missing)
	var rep seccomp.CheckReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Errors) != 2 {
		t.Errorf("check --json: %v %+v", err, rep)
	}
	bad := scWrite(t, dir, "bad.json", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_NOPE"}]}`)
	scOneLineError(t, runProfgen(t, nil, "check", bad), exitFailure, `unknown action "SCMP_ACT_NOPE"`)
}

// TestExecTightAllowList runs busybox true 30 times under an allow-list of exactly the
// syscalls strace saw it make: profgen's own runtime must not trip over the filter between
// loading it and exec (it is loaded on the exec'ing thread only).
func TestExecTightAllowList(t *testing.T) {
	if _, err := seccomp.LibseccompVersion(); err != nil {
		t.Skip(err)
	}
	testutil.RequireCommand(t, "strace")
	if _, err := os.Stat(testutil.BusyboxPath); err != nil {
		t.Skip(err)
	}
	testutil.LockKernelLog(t) // the complain profile below logs to the kernel log
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace")
	if out, err := exec.Command("strace", "-f", "-qq", "-o", trace, testutil.BusyboxPath, "true").CombinedOutput(); err != nil {
		t.Fatalf("strace: %v: %s", err, out)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			call := f[len(f)-1]
			if len(f) > 1 {
				call = f[1]
			}
			if i := strings.IndexByte(call, '('); i > 0 {
				set[call[:i]] = true
			}
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	if !set["execve"] || !set["exit_group"] {
		t.Fatalf("strace saw %v", names)
	}
	prof, _ := json.Marshal(map[string]any{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []any{map[string]any{"names": names, "action": "SCMP_ACT_ALLOW"}}})
	path := scWrite(t, dir, "true.json", string(prof))
	for i := 0; i < 30; i++ {
		if r := runProfgen(t, nil, "exec", "--seccomp", path, "--", testutil.BusyboxPath, "true"); r.code != 0 {
			t.Fatalf("run %d: %+v (allowed %v)", i, r, names)
		}
	}
	// The same set as a recording: the allow profile stops busybox uname (uname(2) and the
	// write are not in it); the complain profile only logs them, so uname prints.
	rec := profile.NewRecording("test", "strace")
	for _, n := range names {
		rec.AddSyscall(syscalls.Native(), n, 1, profile.Process{})
	}
	recPath := filepath.Join(dir, "true.rec.json")
	f, err := os.Create(recPath)
	if err != nil {
		t.Fatal(err)
	}
	rec.WriteTo(f)
	f.Close()
	for _, mode := range []string{"allow", "complain"} {
		out := filepath.Join(dir, mode+".json")
		if r := runProfgen(t, nil, "generate", "seccomp", "--mode", mode, "--seccomp", out, recPath); r.code != 0 {
			t.Fatalf("generate --mode %s: %+v", mode, r)
		}
		r := runProfgen(t, nil, "exec", "--seccomp", out, "--", testutil.BusyboxPath, "uname", "-s")
		if ok := r.code == 0 && r.stdout == "Linux\n"; ok != (mode == "complain") {
			t.Errorf("busybox uname under the %s profile: %+v", mode, r)
		}
	}
}
