package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSyscallsLookup(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		wantOut    string
		wantCode   int
		wantErrSub string
	}{
		{[]string{"syscalls", "lookup", "35", "--arch", "x86_64"}, "nanosleep\n", 0, ""},
		{[]string{"syscalls", "lookup", "nanosleep", "--arch", "amd64"}, "35\n", 0, ""},
		{[]string{"syscalls", "lookup", "983045", "--arch", "arm"}, "set_tls\n", 0, ""},
		{[]string{"syscalls", "lookup", "0x40000001", "--arch", "x32"}, "write\n", 0, ""},
		{[]string{"syscalls", "lookup", "write", "--arch", "mips64n32"}, "6001\n", 0, ""},
		{[]string{"syscalls", "lookup", "read", "write", "--arch", "x86"}, "3\n4\n", 0, ""},
		{[]string{"syscalls", "lookup", "nosuchcall", "--arch", "x86_64"}, "", 1, `x86_64 has no syscall "nosuchcall"`},
		{[]string{"syscalls", "lookup", "9999", "--arch", "x86_64"}, "", 1, "x86_64 has no syscall 9999"},
		{[]string{"syscalls", "lookup", "1", "--arch", "vax"}, "", 2, `unknown ABI "vax"`},
		{[]string{"syscalls", "lookup", "1", "--arch", "s390"}, "", 1, "no syscall table for s390"},
		{[]string{"syscalls", "lookup", "--arch", "x86_64"}, "", 2, "requires at least 1 arg"},
		{[]string{"syscalls", "lookup", "--bogus", "1"}, "", 2, "unknown flag"},
		{[]string{"nosuchcommand"}, "", 2, "unknown command"},
	} {
		r := runProfgen(t, nil, tc.args...)
		if r.code != tc.wantCode || (tc.wantCode == 0 && r.stdout != tc.wantOut) || !strings.Contains(r.stderr, tc.wantErrSub) {
			t.Errorf("profgen %s: code %d, stdout %q, stderr %q; want code %d, stdout %q, stderr containing %q",
				strings.Join(tc.args, " "), r.code, r.stdout, r.stderr, tc.wantCode, tc.wantOut, tc.wantErrSub)
		}
		if tc.wantCode != 0 && strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("profgen %s: error is more than one line: %q", strings.Join(tc.args, " "), r.stderr)
		}
	}
}

func TestSyscallsLookupAll(t *testing.T) {
	r := runProfgen(t, nil, "syscalls", "lookup", "openat", "--arch", "all")
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"x86_64  ", " 257 ", "aarch64 ", " 56 ", "mips64n32", "6251", "x32", "1073742081"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("lookup --arch all openat: no %q in\n%s", want, r.stdout)
		}
	}
	if lines := strings.Count(r.stdout, "\n"); lines != 23 { // header + 22 ABIs with a table
		t.Errorf("lookup --arch all: %d lines, want 23:\n%s", lines, r.stdout)
	}
}

func TestSyscallsListJSON(t *testing.T) {
	r := runProfgen(t, nil, "syscalls", "list", "--arch", "aarch64", "--json")
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	var list []struct {
		ABI  string `json:"abi"`
		Nr   int64  `json:"nr"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) < 300 {
		t.Fatalf("only %d aarch64 syscalls", len(list))
	}
	found := false
	for _, s := range list {
		if s.ABI != "aarch64" {
			t.Fatalf("entry %+v has the wrong ABI", s)
		}
		if s.Name == "openat" {
			found = s.Nr == 56
		}
	}
	if !found {
		t.Error("aarch64 openat = 56 missing from list --json")
	}
}

func TestVersion(t *testing.T) {
	r := runProfgen(t, nil, "version")
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"profgen ", "commit: ", "go: go1.", "libseccomp: ", "syscall tables: Linux 7.1.5"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("version output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestCompletion(t *testing.T) {
	r := runProfgen(t, nil, "completion", "bash")
	if r.code != 0 || !strings.Contains(r.stdout, "__start_profgen") {
		t.Errorf("completion bash: code %d, %d bytes", r.code, len(r.stdout))
	}
}
