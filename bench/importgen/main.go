// Command importgen writes a large, realistic auditd audit.log for profgen import's speed
// benchmark: events of SYSCALL, PATH, CWD and PROCTITLE records from ordinary processes,
// mixed with SECCOMP records (SCMP_ACT_LOG) of a workload on x86_64 and x86, all with auditd's
// enrichment after the 0x1d separator, and consecutive serial numbers. The output depends only
// on the flags.
//
//	go run ./bench/importgen -size 500 -o /tmp/audit.log
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
)

func main() {
	size := flag.Int64("size", 500, "size to write, in MB (10^6 bytes)")
	out := flag.String("o", "audit.log", "file to write")
	seccompShare := flag.Int("seccomp", 50, "percent of events that are SECCOMP records")
	flag.Parse()
	if err := write(*out, *size*1e6, *seccompShare); err != nil {
		fmt.Fprintln(os.Stderr, "importgen:", err)
		os.Exit(1)
	}
}

var progs = []struct{ comm, exe string }{
	{"sshd", "/usr/sbin/sshd"}, {"cron", "/usr/sbin/cron"}, {"bash", "/usr/bin/bash"},
	{"systemd-journal", "/usr/lib/systemd/systemd-journald"}, {"containerd", "/usr/bin/containerd"},
	{"kubelet", "/usr/bin/kubelet"}, {"python3", "/usr/bin/python3.11"},
}

var names = map[int]string{0: "read", 1: "write", 3: "close", 9: "mmap", 257: "openat", 59: "execve", 202: "futex", 232: "epoll_wait", 44: "sendto", 45: "recvfrom", 262: "newfstatat", 13: "rt_sigaction"}

var nrs = []int{0, 1, 3, 9, 257, 59, 202, 232, 44, 45, 262, 13}

func write(path string, size int64, share int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	var written int64
	serial := uint64(1000)
	sec := int64(1795677319)
	for written < size {
		serial++
		ms := serial % 1000
		if ms == 0 {
			sec++
		}
		var n int
		if r.IntN(100) < share {
			n, err = seccompRecord(w, r, sec, ms, serial)
		} else {
			n, err = syscallEvent(w, r, sec, ms, serial)
		}
		if err != nil {
			return err
		}
		written += int64(n)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

func seccompRecord(w *bufio.Writer, r *rand.Rand, sec int64, ms, serial uint64) (int, error) {
	nr := nrs[r.IntN(len(nrs))]
	arch, archName := "c000003e", "x86_64"
	if r.IntN(50) == 0 {
		arch, archName, nr = "40000003", "i386", []int{3, 4, 5, 6, 265}[r.IntN(5)]
	}
	pid := 40000 + r.IntN(50)
	return fmt.Fprintf(w, "type=SECCOMP msg=audit(%d.%03d:%d): auid=4294967295 uid=0 gid=0 ses=4294967295 subj=unconfined pid=%d comm=\"myapp\" exe=\"/usr/local/bin/myapp\" sig=0 arch=%s syscall=%d compat=0 ip=0x7f%09x code=0x7ffc0000\x1dAUID=\"unset\" UID=\"root\" GID=\"root\" ARCH=%s SYSCALL=unknown-syscall(-1)\n",
		sec, ms, serial, pid, arch, nr, r.Uint32(), archName)
}

func syscallEvent(w *bufio.Writer, r *rand.Rand, sec int64, ms, serial uint64) (int, error) {
	p := progs[r.IntN(len(progs))]
	nr := nrs[r.IntN(len(nrs))]
	pid := 1000 + r.IntN(30000)
	total := 0
	n, err := fmt.Fprintf(w, "type=SYSCALL msg=audit(%d.%03d:%d): arch=c000003e syscall=%d success=yes exit=3 a0=ffffff9c a1=7ffd%08x a2=80000 a3=0 items=1 ppid=1 pid=%d auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=4294967295 comm=\"%s\" exe=\"%s\" subj=unconfined key=\"watch\"\x1dARCH=x86_64 SYSCALL=%s AUID=\"unset\" UID=\"root\" GID=\"root\" EUID=\"root\" SUID=\"root\" FSUID=\"root\" EGID=\"root\" SGID=\"root\" FSGID=\"root\"\n",
		sec, ms, serial, nr, r.Uint32(), pid, p.comm, p.exe, names[nr])
	total += n
	if err != nil {
		return total, err
	}
	n, err = fmt.Fprintf(w, "type=CWD msg=audit(%d.%03d:%d): cwd=\"/\"\n", sec, ms, serial)
	total += n
	if err != nil {
		return total, err
	}
	n, err = fmt.Fprintf(w, "type=PATH msg=audit(%d.%03d:%d): item=0 name=\"/etc/ld.so.cache\" inode=%d dev=fe:01 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0\x1dOUID=\"root\" OGID=\"root\"\n", sec, ms, serial, 100000+r.IntN(900000))
	total += n
	if err != nil {
		return total, err
	}
	n, err = fmt.Fprintf(w, "type=PROCTITLE msg=audit(%d.%03d:%d): proctitle=%X\n", sec, ms, serial, p.exe)
	return total + n, err
}
