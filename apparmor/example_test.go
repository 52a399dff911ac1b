package apparmor_test

import (
	"fmt"

	"github.com/profgen/profgen/apparmor"
	"github.com/profgen/profgen/profile"
)

func ExampleGenerate() {
	rec := profile.NewRecording("example", "ptrace")
	rec.AddFile("/usr/lib/x86_64-linux-gnu/libc.so.6", "rm", profile.Process{}) // abstractions/base
	rec.AddFile("/etc/app.conf", "r", profile.Process{})
	rec.AddFile("/proc/self/mountinfo", "r", profile.Process{})
	rec.AddFile("/tmp/tmp.Q2xk9RmA7Z/state", "rwc", profile.Process{})
	rec.AddFile("/var/log/app.log", "a", profile.Process{})
	rec.AddSocket(profile.Socket{Family: "inet", Type: "stream"})
	rec.AddCapability("CAP_NET_BIND_SERVICE")
	p, err := apparmor.Generate(rec, apparmor.Options{Name: "app", Attachment: "/usr/bin/app"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(p.Bytes()))
	// Output:
	// # AppArmor profile written by profgen from a recording.
	// # Check it with: profgen apparmor check FILE
	// abi <abi/3.0>,
	//
	// include <tunables/global>
	//
	// profile app /usr/bin/app {
	//   include <abstractions/base>
	//   # 1 recorded file is allowed by abstractions/base
	//
	//   /etc/app.conf r,
	//   owner /tmp/tmp.*/state rw,
	//   /var/log/app.log a,
	//   @{PROC}/@{pid}/mountinfo r,
	//
	//   network inet stream,
	//
	//   capability net_bind_service,
	// }
}

func ExampleQuotePath() {
	fmt.Println(apparmor.QuotePath("/srv/data/report.txt"))
	fmt.Println(apparmor.QuotePath("/tmp/a*b"))
	fmt.Println(apparmor.QuotePath("/tmp/x,\n  /** rwx,"))
	// Output:
	// /srv/data/report.txt
	// "/tmp/a\*b"
	// "/tmp/x,\012  /\*\* rwx,"
}
