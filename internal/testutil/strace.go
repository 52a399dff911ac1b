package testutil

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/profgen/profgen/syscalls"
)

// StraceCounts runs args under strace -f -c with env and standard output stdout, and returns
// calls per syscall per ABI, from the per-personality sections of strace's summary. It skips
// the test when strace is missing.
func StraceCounts(t testing.TB, env []string, stdout *os.File, args ...string) map[syscalls.ABI]map[string]uint64 {
	t.Helper()
	strace := RequireCommand(t, "strace")
	out := filepath.Join(t.TempDir(), "strace.txt")
	cmd := exec.Command(strace, append([]string{"-f", "-c", "-o", out, "--"}, args...)...)
	cmd.Env = env
	cmd.Stdout = stdout
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
	res, err := ParseStraceSummary(f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// ParseStraceSummary reads strace -c output: a table for the native personality, then one per
// other personality ("System call usage summary for 32 bit mode:").
func ParseStraceSummary(r io.Reader) (map[syscalls.ABI]map[string]uint64, error) {
	res := map[syscalls.ABI]map[string]uint64{}
	abi := syscalls.Native()
	sc := bufio.NewScanner(r)
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
