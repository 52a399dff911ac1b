package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
)

// profgenBin is the profgen binary built once for this package's tests. Tests run it as a
// user would, so each run starts with fresh flag state and a real exit status.
var profgenBin string

// standInEnv, set to the path of a profgen binary, makes the test binary a stand-in for a
// test binary that starts profgen: see standInParent.
const standInEnv = "PROFGEN_TEST_STAND_IN_PARENT"

func TestMain(m *testing.M) {
	if bin := os.Getenv(standInEnv); bin != "" {
		standInParent(bin, os.Args[1:])
	}
	dir, err := os.MkdirTemp("", "profgen-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	profgenBin = filepath.Join(dir, "profgen")
	build := exec.Command("go", append([]string{"build", "-o", profgenBin}, coverBuildFlags()...)...)
	build.Args = append(build.Args, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build profgen:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// coverBuildFlags returns the go build flags that make the profgen binary count coverage
// when the tests do (go test -cover): the binary then writes its counters to GOCOVERDIR,
// the directory of the test's own, and go test reports the two merged. Without it the
// coverage of this package would count only the code the test process itself runs.
func coverBuildFlags() []string {
	flag.Parse()
	mode := testing.CoverMode()
	dir := flag.Lookup("test.gocoverdir")
	if mode == "" || dir == nil || dir.Value.String() == "" {
		return nil
	}
	os.Setenv("GOCOVERDIR", dir.Value.String())
	return []string{"-cover", "-covermode", mode, "-coverpkg", "github.com/profgen/profgen/cmd/profgen"}
}

// profgenCommand returns the command that runs the profgen under test with args. Every
// profgen a test starts is made here or by profgenCommandContext: it is killed with the test
// binary (go test's timeout, ^C), and a recorder does not stay attached, nor its workload
// running, after the test.
func profgenCommand(args ...string) *exec.Cmd {
	return testutil.KillWithParent(exec.Command(profgenBin, args...))
}

// profgenCommandContext is profgenCommand, killed also when ctx is done.
func profgenCommandContext(ctx context.Context, args ...string) *exec.Cmd {
	return testutil.KillWithParent(exec.CommandContext(ctx, profgenBin, args...))
}

// result is what one run of profgen did.
type result struct {
	stdout, stderr string
	code           int
}

// runProfgen runs the test binary with args (and stdin, if not nil) and returns its output
// and exit status.
func runProfgen(t testing.TB, stdin io.Reader, args ...string) result {
	t.Helper()
	cmd := profgenCommand(args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run profgen %s: %v", strings.Join(args, " "), err)
	}
	return result{out.String(), errb.String(), code}
}

// waitInBackground waits for the started cmd in a goroutine and returns the channel its
// result comes on. If the test ends first, a cleanup kills cmd and waits for that goroutine:
// cmd.ProcessState is written by Wait, and reading it meanwhile (to see whether the process
// has exited) is a data race.
func waitInBackground(t testing.TB, cmd *exec.Cmd) <-chan error {
	done := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		err := cmd.Wait()
		done <- err
		close(exited)
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})
	return done
}

// standInParent starts profgen bin with args as the tests start it (profgenCommand), prints
// its pid and waits to be killed.
func standInParent(bin string, args []string) {
	profgenBin = bin
	cmd := profgenCommand(args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "stand-in parent:", err)
		os.Exit(1)
	}
	fmt.Println(cmd.Process.Pid)
	select {}
}
