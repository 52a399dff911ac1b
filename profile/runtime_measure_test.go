//go:build linux

package profile

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/syscalls"
)

var measure = flag.String("measure", "", "measure the base set of this OCI runtime (runc or crun) through the kernel's audit records and compare it with data/runtime-NAME.json")

// measureRuns is how many containers a measurement starts; the base set is the union.
const measureRuns = 20

// kmsgTail reads the kernel log records written after it was opened.
type kmsgTail struct {
	fd   int
	lost int // times records were overwritten before they were read
}

func openKmsgTail(t *testing.T) *kmsgTail {
	t.Helper()
	// Raw syscalls: an *os.File would park a non-blocking read in the poller forever.
	fd, err := syscall.Open("/dev/kmsg", syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("needs /dev/kmsg to read seccomp audit records: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if _, err := syscall.Seek(fd, 0, 2); err != nil {
		t.Fatalf("seek /dev/kmsg: %v", err)
	}
	return &kmsgTail{fd: fd}
}

// messages returns the text of the records logged since the last call.
func (k *kmsgTail) messages() []string {
	var out []string
	buf := make([]byte, 8192)
	for {
		n, err := syscall.Read(k.fd, buf)
		if errors.Is(err, syscall.EAGAIN) || n == 0 {
			return out
		}
		if errors.Is(err, syscall.EPIPE) { // overwritten before we read it: keep going, count it
			k.lost++
			continue
		}
		if err != nil || n < 0 {
			return out
		}
		rec := string(buf[:n])
		if i := strings.IndexByte(rec, ';'); i >= 0 {
			rec = rec[i+1:]
		}
		out = append(out, strings.TrimRight(rec, "\n"))
	}
}

var seccompRecordRE = regexp.MustCompile(`type=(?:1326|SECCOMP) .*comm="([^"]*)" exe="([^"]*)" .*arch=([0-9a-f]+) syscall=([0-9]+)`)

// logProfile is the audit profile for this machine's architectures.
func logProfile(t *testing.T) *specs.LinuxSeccomp {
	p, err := GenerateSeccomp(nil, SeccompOptions{Mode: ModeLog})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMeasureRuntimeBaseSet measures, with -measure RUNTIME, the syscalls an OCI runtime
// makes after loading a container's seccomp filter through the kernel's audit records: it
// starts busybox true under the audit profile (SCMP_ACT_LOG) measureRuns times and collects
// the seccomp records whose comm is the runtime's. Printk rate limiting is switched off
// meanwhile so no record is dropped. It is a cross-check of the shipped sets, which
// profgen record --runtime-base writes (profile/data/measure-runtime-base.sh): both must
// agree but for the Go runtime's timing calls (goRuntimeTimed).
func TestMeasureRuntimeBaseSet(t *testing.T) {
	if *measure == "" {
		t.Skip("run with -measure runc|crun to cross-check a shipped runtime base set through the audit records")
	}
	testutil.RequireRoot(t)
	rt := *measure
	runtimeVersion(t, rt)
	noPrintkRateLimit(t) // takes the kernel-log lock
	for _, nnp := range []bool{false, true} {
		t.Run(fmt.Sprintf("noNewPrivileges=%v", nnp), func(t *testing.T) {
			got := measureRuntimeSet(t, rt, nnp)
			shipped, err := RuntimeBaseSet(rt, nnp)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s", got.Measured, got.Syscalls)
			for abi, names := range got.Syscalls {
				extra := minusNames(names, shipped.Syscalls[abi])
				lacks := minusNames(shipped.Syscalls[abi], names)
				if len(minusNames(extra, goRuntimeTimed)) > 0 || len(minusNames(lacks, goRuntimeTimed)) > 0 {
					t.Errorf("audit records of %s on %s: %v beyond the shipped set, %v of it missing", shipped.Label(), abi, extra, lacks)
				} else if len(extra)+len(lacks) > 0 {
					t.Logf("Go runtime timing calls: %v beyond the shipped set, %v of it missing", extra, lacks)
				}
			}
		})
	}
}

// goRuntimeTimed are calls runc's Go runtime makes after the filter is loaded in some runs
// only, by timing: futex (a wake-up) and rt_sigreturn (the end of a preemption signal's
// handler, allowed by every profile profgen writes).
var goRuntimeTimed = []string{"futex", "rt_sigreturn"}

// minusNames returns the names of a that are not in b, in a's order.
func minusNames(a, b []string) []string {
	var out []string
	for _, n := range a {
		if !slices.Contains(b, n) {
			out = append(out, n)
		}
	}
	return out
}

// measureRuntimeSet runs busybox true measureRuns times in rt with the given
// process.noNewPrivileges under the audit profile and returns the calls logged for the
// runtime's comm.
func measureRuntimeSet(t *testing.T, rt string, nnp bool) *RuntimeSet {
	bundle := testutil.NewBusyboxBundle(t, []string{"true"}, logProfile(t))
	testutil.SetNoNewPrivileges(t, bundle, nnp)
	tail := openRecordTail(t)
	got := map[syscalls.ABI]map[string]bool{}
	records := 0
	// Read after each container: the kernel log (about 130 kB here) holds fewer records
	// than 20 runc containers make with noNewPrivileges false (about 180 each); read only at
	// the end, it kept the last three containers' records.
	var msgs []string
	for i := 0; i < measureRuns; i++ {
		if _, e, err := testutil.RunBundle(t, rt, bundle); err != nil {
			t.Fatalf("%s run: %v: %s", rt, err, e)
		}
		time.Sleep(100 * time.Millisecond) // kauditd prints asynchronously
		msgs = append(msgs, tail.messages()...)
	}
	time.Sleep(time.Second)
	msgs = append(msgs, tail.messages()...)
	if k, ok := tail.(*kmsgTail); ok && k.lost > 0 {
		t.Fatalf("the kernel log was overwritten %d times before it was read: records lost", k.lost)
	}
	for _, msg := range msgs {
		if strings.Contains(msg, "callbacks suppressed") || strings.Contains(msg, "backlog limit exceeded") || strings.Contains(msg, "audit_lost") {
			t.Fatalf("kernel dropped audit records during the measurement: %s", msg)
		}
		m := seccompRecordRE.FindStringSubmatch(msg)
		if m == nil || !strings.HasPrefix(m[1], rt) {
			continue
		}
		arch, _ := strconv.ParseUint(m[3], 16, 32)
		nr, _ := strconv.ParseInt(m[4], 10, 64)
		abi, err := syscalls.ABIFromAudit(uint32(arch), nr)
		if err != nil {
			t.Fatalf("record %q: %v", msg, err)
		}
		name, err := abi.Name(nr)
		if err != nil {
			t.Fatalf("record %q: %v", msg, err)
		}
		if got[abi] == nil {
			got[abi] = map[string]bool{}
		}
		got[abi][name] = true
		records++
	}
	if records == 0 {
		t.Fatalf("no seccomp records from %s: is SCMP_ACT_LOG logged (kernel.seccomp.actions_logged)?", rt)
	}
	set := &RuntimeSet{
		Runtime:         rt,
		NoNewPrivileges: nnp,
		Measured:        time.Now().UTC().Format("2006-01-02") + fmt.Sprintf(", %d containers, %d seccomp records", measureRuns, records),
		Method: fmt.Sprintf("go test ./profile -run TestMeasureRuntimeBaseSet -measure %s: busybox-static `true` in a bundle from `runc spec` "+
			"without linux.resources, process.noNewPrivileges %v, under an SCMP_ACT_LOG profile; the set is every syscall the kernel logged with the runtime's comm "+
			"(its init process after the filter is loaded, up to and including the execve of the workload)", rt, nnp),
		Environment: environment(),
		Syscalls:    map[syscalls.ABI][]string{},
	}
	if rt == "crun" {
		set.Method += "; crun ran with --cgroup-manager=disabled in a private mount namespace, as testutil.RunBundle runs it"
	}
	for abi, names := range got {
		set.Syscalls[abi] = sortedSet(names, nil)
	}
	return set
}

func runtimeVersion(t *testing.T, rt string) string {
	testutil.RequireCommand(t, rt)
	out, err := execOutput(rt, "--version")
	if err != nil {
		t.Fatalf("%s --version: %v", rt, err)
	}
	return strings.Join(strings.Fields(strings.SplitN(out, "\n", 2)[0]), " ") + debianVersion(rt)
}
