package recorder_test

import (
	"fmt"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder"
	"github.com/profgen/profgen/syscalls"
)

// A source feeds syscalls to an Aggregator, which keeps counters and the arguments rules
// need, and names everything when the recording is finished.
func ExampleAggregator() {
	rec := profile.NewRecording("example", "ptrace")
	agg := recorder.NewAggregator(rec)
	agg.ProcessInfo = func(pid int) profile.Process { return profile.Process{PID: pid, Comm: "app"} }

	openat, _ := syscalls.X86_64.Number("openat")
	socket, _ := syscalls.X86_64.Number("socket")
	for i := 0; i < 3; i++ {
		agg.Syscall(recorder.Event{PID: 42, ABI: syscalls.X86_64, Nr: openat})
	}
	agg.Syscall(recorder.Event{PID: 42, ABI: syscalls.X86_64, Nr: socket, Args: [6]uint64{10, 2, 0}})
	// An int 0x80 call from the same process counts on x86.
	agg.Syscall(recorder.Event{PID: 42, ABI: syscalls.X86, Nr: 20})
	agg.File(42, "/etc/hosts", "r")

	agg.Finish()
	for _, abi := range rec.ABIs() {
		for _, name := range rec.SyscallNames(abi) {
			fmt.Println(abi, name, rec.Syscalls[abi][name].Count)
		}
	}
	fmt.Println(rec.Sockets[0].Family, rec.Sockets[0].Type, rec.Files["/etc/hosts"].Access)
	// Output:
	// x86 getpid 1
	// x86_64 openat 3
	// x86_64 socket 1
	// inet6 dgram r
}
