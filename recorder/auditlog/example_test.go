package auditlog_test

import (
	"fmt"
	"strings"

	"github.com/profgen/profgen/recorder/auditlog"
)

func ExampleImporter() {
	log := `Jul  6 15:37:40 node1 kernel: [369128.669452] audit: type=1326 audit(1594067860.484:14536): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=29064 comm="http-echo" exe="/http-echo" sig=0 arch=c000003e syscall=51 compat=0 ip=0x46fe1f code=0x7ffc0000
type=SECCOMP msg=audit(1594067860.484:14537): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=29064 comm="http-echo" exe="/http-echo" sig=0 arch=40000003 syscall=265 compat=1 ip=0xf7f82849 code=0x7ffc0000` + "\x1d" + `ARCH=i386 SYSCALL=unknown-syscall(-1)
`
	im := auditlog.NewImporter(auditlog.Options{Exe: []string{"/http-echo"}})
	if err := im.Read("kern.log", strings.NewReader(log)); err != nil {
		fmt.Println(err)
		return
	}
	rec := im.Recording()
	for _, abi := range rec.ABIs() {
		fmt.Println(abi, rec.SyscallNames(abi))
	}
	// Output:
	// x86 [clock_gettime]
	// x86_64 [getsockname]
}

func ExampleRecord_Parse() {
	var r auditlog.Record
	err := r.Parse([]byte(`type=SECCOMP msg=audit(1750922692.830:4911): auid=4294967295 uid=1000 gid=1001 ses=4294967295 pid=83658 comm="AsyncLocalStore" exe="/opt/drivefs" sig=31 arch=c00000b7 syscall=227 compat=0 ip=0x7d0767988c code=0x80000000`))
	fmt.Println(err, r.Form, r.Serial, r.Seccomp.ABI, r.Seccomp.Name, auditlog.Action(r.Seccomp.Code))
	// Output: <nil> auditd 4911 aarch64 msync KILL_PROCESS
}
