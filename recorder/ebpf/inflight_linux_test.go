//go:build linux && amd64

package ebpf

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/syscalls"
)

// TestRecordAttachBlockedCalls attaches (-p) to a process whose threads are all blocked
// in a syscall they entered before the attach and do not leave during the recording: its
// main thread in pause, another in poll. Both calls are the workload's during the recording
// (and ptrace, whose attach interrupts them, records them as they restart); the recording
// must hold them, though no thread enters a syscall after the attach.
func TestRecordAttachBlockedCalls(t *testing.T) {
	requireBPF(t)
	script := `import threading, signal, select
threading.Thread(target=lambda: select.poll().poll(100000), daemon=True).start()
print("ready", flush=True)
signal.pause()
`
	cmd := exec.Command(testutil.Python(t), "-c", script)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("the workload did not start: %q %v", line, err)
	}
	// Wait until both threads are inside their calls.
	want := map[int64]string{34: "pause", 7: "poll"}
	deadline := time.Now().Add(10 * time.Second)
	for {
		files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", cmd.Process.Pid))
		in := map[int64]bool{}
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if nr, _, ok := ParseTaskSyscall(b); ok {
				in[nr] = true
			}
		}
		if in[34] && in[7] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the workload's threads are not in pause and poll: %v", in)
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := Record(ctx, Options{PID: cmd.Process.Pid})
	if err != nil {
		t.Fatal(err)
	}
	got := res.Recording.SyscallNames(syscalls.X86_64)
	for _, name := range want {
		if res.Recording.Syscalls[syscalls.X86_64][name] == nil {
			t.Errorf("%s, which a thread was blocked in during the whole recording, not recorded: %s", name, strings.Join(got, " "))
		}
	}
}

// TestRecordAttachBlockedCalls32: the call a 32-bit program is blocked in is counted on the
// x86 ABI (pause is 29 there, 34 on x86-64).
func TestRecordAttachBlockedCalls32(t *testing.T) {
	requireBPF(t)
	src := filepath.Join(t.TempDir(), "pause32.c")
	if err := os.WriteFile(src, []byte("#include <unistd.h>\nint main(void) { write(1, \"ready\\n\", 6); pause(); return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testutil.CompileC(t, src, "-m32", "-static"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("the workload did not start: %q %v", line, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", cmd.Process.Pid))
		if nr, _, ok := ParseTaskSyscall(b); ok && nr == 29 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the workload is not in pause: %q", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res, err := Record(ctx, Options{PID: cmd.Process.Pid})
	if err != nil {
		t.Fatal(err)
	}
	x86, x64 := res.Recording.SyscallNames(syscalls.X86), res.Recording.SyscallNames(syscalls.X86_64)
	if len(x86) != 1 || x86[0] != "pause" || len(x64) != 0 {
		t.Errorf("recorded x86 %v, x86_64 %v; want x86 pause alone", x86, x64)
	}
}
