package profile_test

import (
	"fmt"
	"os"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/syscalls"
)

// A recording becomes an allow-list profile; syscalls newer than those recorded answer ENOSYS.
func ExampleGenerateSeccomp() {
	rec := profile.NewRecording("example", "manual")
	for _, name := range []string{"execve", "read", "write", "exit_group"} {
		rec.AddSyscall(syscalls.X86_64, name, 1, profile.Process{})
	}
	p, err := profile.GenerateSeccomp(rec, profile.SeccompOptions{Mode: profile.ModeAllow})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(p.DefaultAction, *p.DefaultErrnoRet, p.Architectures)
	fmt.Println(p.Syscalls[0].Action, p.Syscalls[0].Names)
	fmt.Println(p.Syscalls[1].Action, *p.Syscalls[1].ErrnoRet, p.Syscalls[1].Names[:3])
	// Output:
	// SCMP_ACT_ERRNO 1 [SCMP_ARCH_X32 SCMP_ARCH_X86 SCMP_ARCH_X86_64]
	// SCMP_ACT_ALLOW [execve exit exit_group read rt_sigreturn write]
	// SCMP_ACT_ERRNO 38 [cachestat clone3 close_range]
}
