package auditlog

import (
	"strings"
	"testing"
)

var benchLines = map[string]string{
	"auditd-seccomp": "type=SECCOMP msg=audit(1795677319.286:3): " + rawBody + "\x1dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=x86_64 SYSCALL=unknown-syscall(-1)",
	"auditd-syscall": strings.TrimSuffix(syscallLine(2), "\n"),
	"syslog-seccomp": "Jul  6 15:37:40 my-machine kernel: [369128.669452] audit: type=1326 audit(1594067860.484:14536): " + rawBody,
	"apparmor":       `type=AVC msg=audit(1279948288.415:39): apparmor="DENIED" operation="open" parent=12332 profile="/usr/sbin/cupsd" name="/home/user/.ssh/" pid=12333 comm="ls" requested_mask="r" denied_mask="r" fsuid=0 ouid=1000`,
	"other":          "Nov 26 07:00:00 host sshd[123]: Accepted publickey for root from 10.0.0.1 port 22 ssh2",
}

func BenchmarkParse(b *testing.B) {
	for name, line := range benchLines {
		b.Run(name, func(b *testing.B) {
			l := []byte(line)
			var r Record
			r.Parse(l)
			b.ReportAllocs()
			b.SetBytes(int64(len(l) + 1))
			for b.Loop() {
				r.Parse(l)
			}
		})
	}
}

// TestParseAllocs checks that the hot path does not allocate per line.
func TestParseAllocs(t *testing.T) {
	for name, line := range benchLines {
		l := []byte(line)
		var r Record
		r.Parse(l)
		if n := testing.AllocsPerRun(100, func() { r.Parse(l) }); n != 0 {
			t.Errorf("%s: %.1f allocations per line", name, n)
		}
	}
}
