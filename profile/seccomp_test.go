package profile

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/syscalls"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

func loadTestRecording(t *testing.T, name string) *Recording {
	t.Helper()
	rec, err := LoadRecording(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestGenerateSeccompGolden(t *testing.T) {
	tests := []struct {
		golden    string
		recording string // "" for none
		opts      SeccompOptions
		format    string
		warnings  []string // substrings, one per expected warning
	}{
		{golden: "allow.json", recording: "app-x86_64.rec.json", warnings: []string{"syscall 999 on x86_64 has no name", "the profile allows mount, which Docker's default profile blocks", "no --runtime: a container runtime cannot start a container"}},
		{golden: "allow-runc.json", recording: "app-x86_64.rec.json", opts: SeccompOptions{Runtime: "runc"}, warnings: []string{"999", "allows mount"}},
		{golden: "allow-crun.json", recording: "app-x86_64.rec.json", opts: SeccompOptions{Runtime: "crun"}, warnings: []string{"999", "allows mount"}},
		{golden: "allow-runc-nnp.json", recording: "app-x86_64.rec.json", opts: SeccompOptions{Runtime: "runc", NoNewPrivileges: true}, warnings: []string{"999", "allows mount"}},
		{golden: "allow-aarch64.json", recording: "app-aarch64.rec.json", opts: SeccompOptions{Runtime: "runc"},
			warnings: []string{"runc base set: not measured on aarch64, arm"}},
		{golden: "complain.json", recording: "app-x86_64.rec.json", opts: SeccompOptions{Mode: ModeComplain}, warnings: []string{"999", "allows mount"}},
		{golden: "log.json", opts: SeccompOptions{Mode: ModeLog}},
		{golden: "log-recorded.json", recording: "app-x86_64.rec.json", opts: SeccompOptions{Mode: ModeLog}, warnings: []string{"999"}},
		{golden: "deny.json", recording: "app-x86_64.rec.json", opts: SeccompOptions{Mode: ModeDeny},
			warnings: []string{"999", "mount is on the deny list but the workload was recorded using it"}},
		{golden: "deny-names.json", recording: "app-x86_64.rec.json", opts: SeccompOptions{Mode: ModeDeny, Deny: []string{"ptrace", "mount", "kexec_load"}},
			warnings: []string{"999", "mount is on the deny list"}},
		{golden: "allow-spo.yaml", recording: "app-x86_64.rec.json", opts: SeccompOptions{Runtime: "runc"}, format: FormatSPO, warnings: []string{"999", "allows mount"}},
		{golden: "allow-pod.yaml", recording: "app-x86_64.rec.json", format: FormatPod, warnings: []string{"999", "allows mount", "no --runtime"}},
		{golden: "deny-spo.yaml", opts: SeccompOptions{Mode: ModeDeny, Deny: []string{"mount", "umount2"}}, format: FormatSPO},
	}
	if syscalls.Native() != syscalls.X86_64 {
		t.Skip("the golden files of the recording-less cases were made on x86_64")
	}
	for _, tc := range tests {
		t.Run(tc.golden, func(t *testing.T) {
			var rec *Recording
			if tc.recording != "" {
				rec = loadTestRecording(t, tc.recording)
			}
			var warnings []string
			opts := tc.opts
			opts.Warn = func(w string) { warnings = append(warnings, w) }
			p, err := GenerateSeccomp(rec, opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) != len(tc.warnings) {
				t.Fatalf("warnings %q, want %d matching %q", warnings, len(tc.warnings), tc.warnings)
			}
			for i, w := range tc.warnings {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %q does not contain %q", warnings[i], w)
				}
			}
			if err := ValidateSeccomp(p); err != nil {
				t.Fatalf("generated profile does not validate: %v", err)
			}
			b, err := EncodeSeccomp(p, tc.format, "web")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, b)
			again, _ := GenerateSeccomp(rec, opts)
			b2, _ := EncodeSeccomp(again, tc.format, "web")
			if !bytes.Equal(b, b2) {
				t.Error("a second generation from the same recording differs")
			}
		})
	}
}

func TestGenerateSeccompModeSemantics(t *testing.T) {
	rec := loadTestRecording(t, "app-x86_64.rec.json")
	p, err := GenerateSeccomp(rec, SeccompOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.DefaultAction != "SCMP_ACT_ERRNO" || p.DefaultErrnoRet == nil || *p.DefaultErrnoRet != 1 {
		t.Errorf("allow default = %s %v, want SCMP_ACT_ERRNO 1", p.DefaultAction, p.DefaultErrnoRet)
	}
	allowed := strings.Join(p.Syscalls[0].Names, " ")
	for _, n := range []string{"rt_sigreturn", "exit", "statx", "mount"} {
		if !strings.Contains(" "+allowed+" ", " "+n+" ") {
			t.Errorf("%s not allowed: %s", n, allowed)
		}
	}
	enosys := p.Syscalls[1]
	if enosys.ErrnoRet == nil || *enosys.ErrnoRet != 38 {
		t.Fatalf("second rule is not ENOSYS: %+v", enosys)
	}
	got := " " + strings.Join(enosys.Names, " ") + " "
	if !strings.Contains(got, " clone3 ") || strings.Contains(got, " statx ") {
		t.Errorf("ENOSYS rule %s: want clone3, not the recorded statx", got)
	}
	if _, err := GenerateSeccomp(NewRecording("t", ""), SeccompOptions{}); err == nil {
		t.Error("an allow profile from an empty recording did not fail")
	}
	if _, err := GenerateSeccomp(rec, SeccompOptions{Mode: "audit"}); err == nil {
		t.Error("unknown mode accepted")
	}
	if _, err := GenerateSeccomp(rec, SeccompOptions{Runtime: "docker"}); err == nil {
		t.Error("unknown runtime accepted")
	}
	if _, err := GenerateSeccomp(rec, SeccompOptions{Mode: ModeDeny, Deny: []string{"no_such_call"}}); err == nil {
		t.Error("unknown deny name accepted")
	}
	var warned []string
	p, err = GenerateSeccomp(nil, SeccompOptions{Mode: ModeDeny, Deny: []string{"exit_group", "uname"}, Warn: func(w string) { warned = append(warned, w) }})
	if err != nil || len(p.Syscalls) != 1 || strings.Join(p.Syscalls[0].Names, ",") != "uname" || len(warned) != 1 || !strings.Contains(warned[0], "exit_group is always allowed") {
		t.Errorf("deny exit_group: %v %+v %q", err, p, warned)
	}
	if _, err := GenerateSeccomp(rec, SeccompOptions{Mode: ModeDeny, Deny: []string{"../etc/passwd"}}); err == nil {
		t.Error("hostile deny name accepted")
	}
	bad := NewRecording("t", "")
	bad.AddSyscall(syscalls.X86_64, "../../etc", 1, Process{})
	if _, err := GenerateSeccomp(bad, SeccompOptions{}); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("hostile recorded name: err = %v, want one line", err)
	}
}

func TestParseSeccompBadInput(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "golden", "allow.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, input, want string }{
		{"truncated", string(good[:len(good)/2]), "truncated JSON"},
		{"empty", "", "truncated JSON"},
		{"unknown action", `{"defaultAction":"SCMP_ACT_PERMIT"}`, `unknown defaultAction "SCMP_ACT_PERMIT"`},
		{"unknown rule action", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"ALLOW"}]}`, `syscalls[0]: unknown action "ALLOW"`},
		{"unknown ABI", `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_VAX"]}`, `unknown ABI: architecture "SCMP_ARCH_VAX"`},
		{"path name", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["../../etc/passwd"],"action":"SCMP_ACT_ALLOW"}]}`, `bad syscall name "../../etc/passwd"`},
		{"NUL name", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read\u0000x"],"action":"SCMP_ACT_ALLOW"}]}`, `bad syscall name "read\x00x"`},
		{"newline name", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read\nwrite"],"action":"SCMP_ACT_ALLOW"}]}`, `bad syscall name "read\nwrite"`},
		{"empty name", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[""],"action":"SCMP_ACT_ALLOW"}]}`, `bad syscall name ""`},
		{"no names", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]}`, `no names`},
		{"arg index", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}`, "argument index 6"},
		{"arg op", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"EQ"}]}]}`, `unknown operator "EQ"`},
		{"unknown field", `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[]}`, `unknown field "archMap"`},
		{"unknown flag", `{"defaultAction":"SCMP_ACT_ERRNO","flags":["SECCOMP_FILTER_FLAG_NOPE"]}`, `unknown flag`},
		{"trailing data", `{"defaultAction":"SCMP_ACT_ERRNO"} {}`, "data after the profile object"},
		{"no default", `{"architectures":["SCMP_ARCH_X86_64"]}`, "no defaultAction"},
		{"not an object", `["read"]`, "cannot unmarshal array"},
		{"recording", `{"kind":"profgen.recording","version":1,"syscalls":{}}`, `this is a profgen recording, not a seccomp profile`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseSeccomp([]byte(tc.input))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrBadProfile) {
				t.Errorf("error %v does not wrap ErrBadProfile", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not contain %q", msg, tc.want)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is more than one line: %q", msg)
			}
		})
	}
	if _, err := ParseSeccomp(good); err != nil {
		t.Errorf("golden allow profile: %v", err)
	}
}

func TestDangerousSyscalls(t *testing.T) {
	for _, n := range []string{"mount", "umount2", "unshare", "setns", "bpf", "kexec_load", "keyctl", "add_key", "init_module", "reboot", "pivot_root", "userfaultfd", "open_by_handle_at"} {
		if !IsDangerous(n) {
			t.Errorf("%s is not in the dangerous set", n)
		}
	}
	for _, n := range []string{"read", "socket", "clone", "personality", "ptrace", "clone3", "statx", "arch_prctl", "exit_group"} {
		if IsDangerous(n) {
			t.Errorf("%s is in the dangerous set", n)
		}
	}
}

func TestValidateProfileName(t *testing.T) {
	for _, n := range []string{"", ".", "..", "a/b", "../x", "x..y", "a\x00b", "a\nb", strings.Repeat("a", 254)} {
		if ValidateProfileName(n) == nil {
			t.Errorf("%q accepted", n)
		}
	}
	for _, n := range []string{"web", "web-1.2", "my_profile", "nginx.v1"} {
		if err := ValidateProfileName(n); err != nil {
			t.Errorf("%q: %v", n, err)
		}
	}
}

func TestDangerReason(t *testing.T) {
	for name := range dangerNotes {
		if !IsDangerous(name) {
			t.Errorf("dangerNotes has %s, which is not in the dangerous set", name)
		}
	}
	for name, want := range map[string]string{
		"mount":      "mounts file systems, changing what the container can see; Docker's default profile allows it only with CAP_SYS_ADMIN",
		"bpf":        "loads eBPF programs into the kernel; Docker's default profile allows it only with CAP_BPF or CAP_SYS_ADMIN",
		"keyctl":     "manages kernel keyrings, which are not namespaced; Docker's default profile blocks it in every container",
		"read":       "",
		"nfsservctl": "Docker's default profile blocks it in every container",
	} {
		if got := DangerReason(name); got != want {
			t.Errorf("DangerReason(%s) = %q, want %q", name, got, want)
		}
	}
}
