package auditlog

import (
	"bytes"
	"fmt"
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

// denseChunk returns about size bytes of an auditd log in which two lines in three are
// SECCOMP records (of a few processes, on x86_64 and now and then x86), as bench/importgen
// -seccomp 89 writes, with consecutive serial numbers.
func denseChunk(size int) []byte {
	var b []byte
	nrs := []int{0, 1, 3, 9, 257, 59, 202, 232, 44, 45, 262, 13}
	for serial := 1000; len(b) < size; serial++ {
		if serial%3 == 0 {
			b = fmt.Appendf(b, "type=PATH msg=audit(1795677319.%03d:%d): item=0 name=\"/etc/ld.so.cache\" inode=%d dev=fe:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\x1dOUID=\"root\" OGID=\"root\"\n",
				serial%1000, serial, 100000+serial%900000)
			continue
		}
		arch, archName, nr := "c000003e", "x86_64", nrs[serial%len(nrs)]
		if serial%50 == 1 {
			arch, archName, nr = "40000003", "i386", 265
		}
		b = fmt.Appendf(b, "type=SECCOMP msg=audit(1795677319.%03d:%d): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=%d comm=\"myapp\" exe=\"/usr/local/bin/myapp\" sig=0 arch=%s syscall=%d compat=0 ip=0x7f%09x code=0x7ffc0000\x1dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=%s SYSCALL=unknown-syscall(-1)\n",
			serial%1000, serial, 40000+serial%50, arch, nr, serial*7919, archName)
	}
	return b
}

// BenchmarkParseChunkDense is the import hot path on a dense log: each line parsed, each
// record filtered and counted into the chunk's aggregator (go test -bench ParseChunkDense
// -cpuprofile cpu.out ./recorder/auditlog).
func BenchmarkParseChunkDense(b *testing.B) {
	data := denseChunk(chunkSize)
	im := NewImporter(Options{})
	var rec Record
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	cpu0 := cpuTime()
	for b.Loop() {
		im.parseChunk(data, &rec)
	}
	// CPU time per byte moves less than wall time on a machine shared with other work.
	if d := cpuTime() - cpu0; d > 0 {
		b.ReportMetric(float64(len(data))*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

// TestParseChunkAllocs checks that a chunk's allocations do not grow with its lines: the
// per-chunk tables are made once, and no line allocates.
func TestParseChunkAllocs(t *testing.T) {
	small, large := denseChunk(64<<10), denseChunk(1<<20)
	im := NewImporter(Options{})
	var rec Record
	im.parseChunk(large, &rec)
	a := testing.AllocsPerRun(5, func() { im.parseChunk(small, &rec) })
	b := testing.AllocsPerRun(5, func() { im.parseChunk(large, &rec) })
	lines := bytes.Count(large, []byte("\n"))
	if b > a+10 {
		t.Errorf("a chunk of %d lines makes %.0f allocations, one of 64 KiB %.0f: lines allocate", lines, b, a)
	}
}
