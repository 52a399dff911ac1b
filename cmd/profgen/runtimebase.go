package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder"
	"github.com/profgen/profgen/recorder/ptrace"
	"github.com/profgen/profgen/seccomp"
)

// runtimeBaseOptions are record's --runtime-base flags: measure an OCI runtime's base set
// (what it calls between loading the container's filter and executing the workload).
type runtimeBaseOptions struct {
	runtime string
	out     string
	base    *recorder.RuntimeBase
}

func (b *runtimeBaseOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(&b.runtime, "runtime-base", "", "measure the base set of this OCI runtime (runc, crun ...) while CMD runs containers with it, and write it in the form of profile/data/runtime-NAME.json")
	f.StringVar(&b.out, "runtime-base-out", "", `file for --runtime-base (default: runtime-NAME.json, or runtime-NAME-nnp.json for containers with noNewPrivileges; "-": standard output)`)
}

var runtimeNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

func (b *runtimeBaseOptions) check(popts ptrace.Options) error {
	switch {
	case !runtimeNameRE.MatchString(b.runtime):
		return usagef("record: --runtime-base %q: want the runtime's command name (runc, crun ...)", b.runtime)
	case popts.PID != 0:
		return usagef("record: --runtime-base needs a command that runs containers, not -p")
	case popts.Baseline != nil:
		return usagef("record: --runtime-base and --baseline exclude each other")
	}
	return nil
}

func (b *runtimeBaseOptions) observer() ptrace.Observer {
	b.base = recorder.NewRuntimeBase()
	return b.base
}

// write writes the measured set, with the runtime's version, the kernel and the method.
func (b *runtimeBaseOptions) write(cmd *cobra.Command, args []string) error {
	if b.base.Containers == 0 {
		return fmt.Errorf("record --runtime-base: no traced process loaded a seccomp filter and then executed a program: " +
			"run containers whose config.json has a seccomp profile that lets the runtime work " +
			"(profgen generate seccomp --mode log writes one)")
	}
	if b.base.WithNoNewPrivs > 0 && b.base.WithoutNoNewPrivs > 0 {
		return fmt.Errorf("record --runtime-base: %d containers set no_new_privs and %d did not: the base set depends on "+
			"process.noNewPrivileges, so measure each case with containers of one kind", b.base.WithNoNewPrivs, b.base.WithoutNoNewPrivs)
	}
	nnp := b.base.WithNoNewPrivs > 0
	set := profile.RuntimeSet{
		Runtime:         b.runtime,
		NoNewPrivileges: nnp,
		Version:         runtimeVersion(b.runtime),
		Measured:        fmt.Sprintf("%s, %d containers, %d syscalls", time.Now().UTC().Format("2006-01-02"), b.base.Containers, b.base.Calls),
		Method: "profgen record --runtime-base " + b.runtime + " -- " + shellJoin(args) + ": " +
			fmt.Sprintf("containers with process.noNewPrivileges %v; ", nnp) + runtimeBaseMethod,
		Environment: measureEnvironment(),
		Syscalls:    b.base.Syscalls(),
	}
	if b.out == "" {
		b.out = profile.RuntimeSetFile(b.runtime, nnp)
	}
	data, err := set.Encode()
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "profgen: %s base set from %d containers with noNewPrivileges %v: %v\n", b.runtime, b.base.Containers, nnp, set.Syscalls)
	return writeOutput(cmd, b.out, data)
}

// shellJoin writes a command line as sh reads it, so the method can be run again as written.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if a == "" || strings.Trim(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-=:,@%") != "" {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}

const runtimeBaseMethod = "the ptrace recorder follows the runtime and its children; the set is every syscall a process " +
	"(any of its threads) made after it loaded a seccomp filter (seccomp SECCOMP_SET_MODE_FILTER or prctl PR_SET_SECCOMP) " +
	"and before it executed the workload, that execve included"

// runtimeVersion returns the first line of "RUNTIME --version", and the Debian package's
// version when dpkg knows the runtime's package.
func runtimeVersion(runtime string) string {
	out, err := exec.Command(runtime, "--version").Output()
	v := runtime + " (version unknown)"
	if err == nil {
		if line := strings.Fields(strings.SplitN(string(out), "\n", 2)[0]); len(line) > 0 {
			v = strings.Join(line, " ")
		}
	}
	if pkg, err := exec.Command("dpkg-query", "-W", "-f=${Version}", runtime).Output(); err == nil && len(pkg) > 0 {
		v += " (Debian package " + runtime + " " + string(pkg) + ")"
	}
	return v
}

// measureEnvironment says what the set was measured on: the kernel, libseccomp and the
// distribution ("Linux 6.18.44, libseccomp 2.5.4, Debian 12").
func measureEnvironment() string {
	kernel := "unknown"
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = strings.TrimSpace(string(b))
	}
	lib, err := seccomp.LibseccompVersion()
	if err != nil {
		lib = "unknown"
	}
	return "Linux " + kernel + ", libseccomp " + lib + ", " + distribution()
}

// distribution returns the ID and VERSION_ID of /etc/os-release ("Debian 12").
func distribution() string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return "unknown distribution"
	}
	defer f.Close()
	var id, ver string
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			id = v
		case "VERSION_ID":
			ver = v
		}
	}
	if id == "" {
		return "unknown distribution"
	}
	return strings.TrimSpace(strings.ToUpper(id[:1]) + id[1:] + " " + ver)
}
