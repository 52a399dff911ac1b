package profile

import (
	"bytes"
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/sizelimit"
	"github.com/profgen/profgen/syscalls"
)

func TestParseRecordingRefusesTrailingData(t *testing.T) {
	good, err := os.ReadFile("testdata/app-x86_64.rec.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseRecording(good); err != nil {
		t.Fatalf("good recording: %v", err)
	}
	for _, tail := range []string{"garbage", "{}", `{"kind":"profgen.recording"}`, "]"} {
		if _, err := ParseRecording(append(bytes.Clone(good), tail...)); err == nil || !strings.Contains(err.Error(), "data after") {
			t.Errorf("recording + %q: %v, want data after the recording refused", tail, err)
		}
	}
}

func TestRecordingRefusesBadSyscallNames(t *testing.T) {
	for _, name := range []string{"..", ".", "a/b", "../../etc/passwd", "Read", ""} {
		r := NewRecording("test", "test")
		r.AddSyscall(syscalls.ABI("x86_64"), name, 1, Process{})
		var b bytes.Buffer
		r.WriteTo(&b)
		if _, err := ParseRecording(b.Bytes()); err == nil {
			t.Errorf("syscall name %q accepted", name)
		}
	}
	r := NewRecording("test", "test")
	r.AddSyscall(syscalls.ABI("x86_64"), "999", 1, Process{})
	r.AddSyscall(syscalls.ABI("x86_64"), "read", 1, Process{})
	var b bytes.Buffer
	r.WriteTo(&b)
	if _, err := ParseRecording(b.Bytes()); err != nil {
		t.Errorf("a name and a number: %v", err)
	}
}

func TestMergeSaturatesCounts(t *testing.T) {
	a, b := NewRecording("t", "t"), NewRecording("t", "t")
	a.AddSyscall("x86_64", "read", math.MaxUint64-1, Process{})
	b.AddSyscall("x86_64", "read", 5, Process{})
	a.AddFile("/x", "r", Process{})
	a.Files["/x"].Count = math.MaxUint64
	b.AddFile("/x", "w", Process{})
	a.AddDropped("lost", math.MaxUint64)
	b.AddDropped("lost", 2)
	a.Merge(b)
	if c := a.Syscalls["x86_64"]["read"].Count; c != math.MaxUint64 {
		t.Errorf("syscall count %d, want it saturated at %d", c, uint64(math.MaxUint64))
	}
	if c := a.Files["/x"].Count; c != math.MaxUint64 {
		t.Errorf("file count %d, want it saturated", c)
	}
	if c := a.Source.Dropped["lost"]; c != math.MaxUint64 {
		t.Errorf("dropped %d, want it saturated", c)
	}
}

// TestRecordingKeepsNonUTF8Names: names that are not valid UTF-8 survive writing and reading
// back, distinct; so does a name that looks like the encoding.
func TestRecordingKeepsNonUTF8Names(t *testing.T) {
	r := NewRecording("t", "t")
	r.AddSyscall("x86_64", "openat", 2, Process{})
	names := []string{"/tmp/c\xff", "/tmp/c\xfe", "/tmp/c\uFFFD", "base64:L3RtcC9jww==", "/tmp/ok"}
	for i, n := range names {
		r.AddFile(n, []string{"r", "w", "c", "r", "rw"}[i], Process{})
	}
	var b bytes.Buffer
	if _, err := r.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	back, err := ParseRecording(b.Bytes())
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, b.String())
	}
	if len(back.Files) != len(names) {
		t.Fatalf("%d files read back, want %d", len(back.Files), len(names))
	}
	for _, n := range names {
		if back.Files[n] == nil || back.Files[n].Access != r.Files[n].Access {
			t.Errorf("file %q: %+v, want %+v", n, back.Files[n], r.Files[n])
		}
	}
	if !strings.Contains(b.String(), `"/tmp/ok"`) {
		t.Errorf("a UTF-8 name is not written as it is:\n%s", b.String())
	}
	if back.Version != RecordingVersion {
		t.Errorf("version %d", back.Version)
	}
}

// TestReadVersion1: version 1 files are read, names taken literally, and come back current.
func TestReadVersion1(t *testing.T) {
	v1 := `{"kind":"profgen.recording","version":1,"source":{"tool":"t"},"syscalls":{},"files":{"base64:abc":{"access":"r","count":1,"first":{}}}}`
	r, err := ParseRecording([]byte(v1))
	if err != nil {
		t.Fatal(err)
	}
	if r.Files["base64:abc"] == nil || r.Version != RecordingVersion {
		t.Errorf("version 1 read as %+v", r)
	}
	if _, err := ParseRecording([]byte(strings.Replace(v1, `"version":1`, `"version":3`, 1))); !errors.Is(err, ErrRecordingVersion) {
		t.Errorf("version 3: %v", err)
	}
}

func TestParseSeccompRefusesBadErrno(t *testing.T) {
	for _, p := range []string{
		`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":99999999999}`,
		`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","errnoRet":4096}]}`,
	} {
		if _, err := ParseSeccomp([]byte(p)); !errors.Is(err, ErrBadProfile) || !strings.Contains(err.Error(), "not an errno") {
			t.Errorf("%s: %v", p, err)
		}
	}
	if _, err := ParseSeccomp([]byte(`{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":4095}`)); err != nil {
		t.Errorf("errno 4095: %v", err)
	}
}

func TestValidateProfileNameFitsFileName(t *testing.T) {
	if err := ValidateProfileName(strings.Repeat("a", 250)); err != nil {
		t.Errorf("250 bytes: %v", err)
	}
	for _, n := range []int{251, 253, 254} {
		if err := ValidateProfileName(strings.Repeat("a", n)); err == nil {
			t.Errorf("%d bytes accepted: NAME.json would not fit a file name", n)
		}
	}
}

func TestLoadRefusesHugeInput(t *testing.T) {
	dir := t.TempDir()
	sparse := dir + "/sparse.json"
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(2 << 30)
	f.Close()
	if _, err := LoadSeccomp(sparse); !errors.Is(err, sizelimit.ErrTooLarge) {
		t.Errorf("2 GB sparse profile: %v", err)
	}
	if _, err := LoadRecording(sparse); !errors.Is(err, sizelimit.ErrTooLarge) {
		t.Errorf("2 GB sparse recording: %v", err)
	}
	// A link to an endless device: read up to the limit, then refused.
	if err := os.Symlink("/dev/zero", dir+"/zero.json"); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSeccomp(dir + "/zero.json"); !errors.Is(err, sizelimit.ErrTooLarge) {
		t.Errorf("link to /dev/zero: %v", err)
	}
}

func TestMergeDuplicateRules(t *testing.T) {
	p, err := ParseSeccomp([]byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[
		{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
		{"names":["getpid"],"action":"SCMP_ACT_ERRNO","errnoRet":38},
		{"names":["read","close"],"action":"SCMP_ACT_ALLOW"},
		{"names":["getpid","clone3"],"action":"SCMP_ACT_ERRNO","errnoRet":38},
		{"names":["getpid"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`))
	if err != nil {
		t.Fatal(err)
	}
	m, n := MergeDuplicateRules(p)
	if n != 2 || len(m.Syscalls) != 3 {
		t.Fatalf("merged %d names into %d rules: %+v", n, len(m.Syscalls), m.Syscalls)
	}
	if got := strings.Join(m.Syscalls[0].Names, ","); got != "read,write,close" {
		t.Errorf("allow rule %s", got)
	}
	if got := strings.Join(m.Syscalls[1].Names, ","); got != "getpid,clone3" {
		t.Errorf("ENOSYS rule %s", got)
	}
	if len(p.Syscalls) != 5 {
		t.Error("the input was changed")
	}
}
