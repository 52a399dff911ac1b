package ptrace_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"

	"github.com/profgen/profgen/recorder/ptrace"
)

// Record a command and print what it did. Record starts the workload through a re-executed
// copy of the program, which the package's init turns into the helper before main runs.
func ExampleRecord() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt) // passed on to the workload
	res, err := ptrace.Record(context.Background(), ptrace.Options{
		Args:    []string{"ls", "/"},
		Files:   true, // also read the paths of file syscalls
		Signals: sigs,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rec := res.Recording
	for _, abi := range rec.ABIs() {
		fmt.Println(abi, rec.SyscallNames(abi))
	}
	fmt.Println("exit status", res.Status(), "stops", res.Stops)
}
