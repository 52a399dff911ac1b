//go:build linux && amd64

package ptrace

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/syscalls"
)

// straceCounts runs args under strace -f -c and returns calls per syscall per ABI, from the
// per-personality sections of strace's summary.
func straceCounts(t *testing.T, env []string, args ...string) map[syscalls.ABI]map[string]uint64 {
	t.Helper()
	strace := testutil.RequireCommand(t, "strace")
	out := filepath.Join(t.TempDir(), "strace.txt")
	cmd := exec.Command(strace, append([]string{"-f", "-c", "-o", out, "--"}, args...)...)
	cmd.Env = env
	// The same standard output as the recorded run: programs make different calls for a
	// terminal, a pipe or /dev/null.
	cmd.Stdout = devNull(t)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("strace %v: %v\n%s", args, err, stderr.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parseStraceSummary(bufio.NewScanner(f))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// parseStraceSummary reads strace -c output: a table for the native personality, then one
// per other personality ("System call usage summary for 32 bit mode:").
func parseStraceSummary(sc *bufio.Scanner) (map[syscalls.ABI]map[string]uint64, error) {
	res := map[syscalls.ABI]map[string]uint64{}
	abi := syscalls.Native()
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, "summary for 32 bit mode"):
			abi = syscalls.X86
			continue
		case strings.Contains(line, "summary for x32 mode"):
			abi = syscalls.X32
			continue
		}
		f := strings.Fields(line)
		if len(f) < 5 || f[0] == "%" || strings.HasPrefix(f[0], "-") || f[len(f)-1] == "total" {
			continue
		}
		n, err := strconv.ParseUint(f[3], 10, 64)
		if err != nil {
			continue
		}
		if res[abi] == nil {
			res[abi] = map[string]uint64{}
		}
		res[abi][f[len(f)-1]] += n
	}
	return res, sc.Err()
}

func TestParseStraceSummary(t *testing.T) {
	in := `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 60.00    0.000060          60         1           execve
 40.00    0.000040          20         2         1 openat
------ ----------- ----------- --------- --------- ----------------
100.00    0.000100          33         3         1 total
System call usage summary for 32 bit mode:
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
  0.00    0.000000           0         5           brk
------ ----------- ----------- --------- --------- ----------------
100.00    0.000000           0         5           total
System call usage summary for x32 mode:
  0.00    0.000000           0         1         1 getpid
`
	got, err := parseStraceSummary(bufio.NewScanner(strings.NewReader(in)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[syscalls.ABI]map[string]uint64{
		syscalls.Native(): {"execve": 1, "openat": 2},
		syscalls.X86:      {"brk": 5},
		syscalls.X32:      {"getpid": 1},
	}
	for abi, m := range want {
		for name, n := range m {
			if got[abi][name] != n {
				t.Errorf("%s %s: got %d, want %d", abi, name, got[abi][name], n)
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("got ABIs %v", got)
	}
}
