package profile

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/profgen/profgen/syscalls"
)

// rulesNaming returns the rules of p that name n.
func rulesNaming(p *specs.LinuxSeccomp, n string) []specs.LinuxSyscall {
	var out []specs.LinuxSyscall
	for _, r := range p.Syscalls {
		if slices.Contains(r.Names, n) {
			out = append(out, r)
		}
	}
	return out
}

func TestResolveDockerDefault(t *testing.T) {
	data, err := os.ReadFile("data/moby-default.json")
	if err != nil {
		t.Fatal(err)
	}
	if !IsDockerFormat(data) {
		t.Fatal("Docker's default profile not recognised as Docker's format")
	}
	if _, err := ParseSeccomp(data); err == nil || !strings.Contains(err.Error(), `unknown field "archMap"`) {
		t.Fatalf("ParseSeccomp (OCI only) on Docker's format: %v", err)
	}
	d, err := ParseDockerSeccomp(data)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		target    Target
		arches    []specs.Arch
		allowed   []string // named in an allow rule
		absent    []string // named in no rule
		cloneArg0 bool     // clone's flags are checked in argument 0 (1 on s390)
	}{
		{name: "x86_64 default caps", target: Target{ABI: syscalls.X86_64, Caps: DockerDefaultCaps, Kernel: "6.18.44"},
			arches:  []specs.Arch{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"},
			allowed: []string{"_llseek", "_newselect", "ptrace", "chroot", "arch_prctl", "modify_ldt"},
			absent:  []string{"mount", "bpf", "s390_pci_mmio_read", "sync_file_range2"}, cloneArg0: true},
		{name: "x86_64 kernel 4.4: no ptrace", target: Target{ABI: syscalls.X86_64, Caps: DockerDefaultCaps, Kernel: "4.4"},
			absent: []string{"ptrace", "process_vm_readv"}, cloneArg0: true},
		{name: "CAP_SYS_ADMIN", target: Target{ABI: syscalls.X86_64, Caps: []string{"CAP_SYS_ADMIN"}, Kernel: "6.1"},
			allowed: []string{"mount", "umount2", "unshare", "setns", "clone", "clone3"}, absent: []string{"chroot"}},
		{name: "aarch64", target: Target{ABI: syscalls.AARCH64, Caps: DockerDefaultCaps, Kernel: "6.1"},
			arches:  []specs.Arch{"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"},
			allowed: []string{"arm_fadvise64_64", "sync_file_range2"}, absent: []string{"arch_prctl"}, cloneArg0: true},
		{name: "s390x", target: Target{ABI: syscalls.S390X, Caps: []string{"CAP_CHOWN"}, Kernel: "5.10"},
			arches: []specs.Arch{"SCMP_ARCH_S390X", "SCMP_ARCH_S390"}, allowed: []string{"s390_pci_mmio_read"}, absent: []string{"chroot"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := d.Resolve(tc.target)
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateSeccomp(p); err != nil {
				t.Fatalf("resolved profile: %v", err)
			}
			if tc.arches != nil && !slices.Equal(p.Architectures, tc.arches) {
				t.Errorf("architectures %v, want %v", p.Architectures, tc.arches)
			}
			for _, n := range tc.allowed {
				rs := rulesNaming(p, n)
				if len(rs) == 0 || !slices.ContainsFunc(rs, func(r specs.LinuxSyscall) bool { return r.Action == specs.ActAllow }) {
					t.Errorf("%s not allowed: %v", n, rs)
				}
			}
			for _, n := range tc.absent {
				if rs := rulesNaming(p, n); len(rs) > 0 {
					t.Errorf("%s in rules %v", n, rs)
				}
			}
			clone := rulesNaming(p, "clone")
			if tc.target.Caps == nil || slices.Contains(tc.target.Caps, "CAP_SYS_ADMIN") {
				if tc.target.Caps != nil && (len(clone) != 1 || len(clone[0].Args) != 0) {
					t.Errorf("with CAP_SYS_ADMIN clone is allowed unconditionally: %v", clone)
				}
				return
			}
			if len(clone) != 1 || len(clone[0].Args) != 1 || (clone[0].Args[0].Index == 0) != tc.cloneArg0 {
				t.Errorf("clone rules %v (flags in argument 0: %v)", clone, tc.cloneArg0)
			}
		})
	}
	if _, err := d.Resolve(Target{ABI: syscalls.X86_64, Kernel: "latest"}); err == nil {
		t.Error("a kernel version that is no version resolved the minKernel rules")
	}
}

func TestParseDockerSeccompErrors(t *testing.T) {
	for name, in := range map[string]string{
		"unknown field":        `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[],"syscalls":[],"bogus":1}`,
		"unknown rule field":   `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","comment":"x","bogus":1}]}`,
		"both arch forms":      `{"defaultAction":"SCMP_ACT_ERRNO","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}],"syscalls":[]}`,
		"name and names":       `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"read","names":["write"],"action":"SCMP_ACT_ALLOW"}]}`,
		"bad minKernel":        `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"four"}}]}`,
		"bad name":             `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["../x"],"action":"SCMP_ACT_ALLOW","comment":""}]}`,
		"unknown archMap arch": `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_VAX","subArchitectures":[]}],"syscalls":[]}`,
		"trailing data":        `{"defaultAction":"SCMP_ACT_ERRNO","archMap":[],"syscalls":[]} {}`,
		"unknown rule action":  `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"ALLOW","comment":""}]}`,
	} {
		if _, err := ParseDockerSeccomp([]byte(in)); !errors.Is(err, ErrBadProfile) {
			t.Errorf("%s: err %v, want ErrBadProfile", name, err)
		}
	}
	// A plain OCI profile with a field of neither format stays an error.
	if _, _, err := ParseSeccompFor([]byte(`{"defaultAction":"SCMP_ACT_ERRNO","bogus":1}`), DefaultTarget()); !errors.Is(err, ErrBadProfile) {
		t.Errorf("unknown field in an OCI profile: %v", err)
	}
	// The deprecated single name works as names.
	p, docker, err := ParseSeccompFor([]byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"name":"_llseek","action":"SCMP_ACT_ALLOW"}]}`), DefaultTarget())
	if err != nil || !docker || len(p.Syscalls) != 1 || !slices.Equal(p.Syscalls[0].Names, []string{"_llseek"}) {
		t.Errorf("single name: %v %v %+v", err, docker, p)
	}
}

func FuzzParseDockerSeccomp(f *testing.F) {
	if data, err := os.ReadFile("data/moby-default.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],"syscalls":[{"name":"ptrace","action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4.8","caps":["CAP_SYS_PTRACE"]},"excludes":{"arches":["s390x"]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDockerSeccomp(data)
		if err != nil {
			return
		}
		// Whatever parses resolves, for every ABI, into a profile that validates.
		for _, abi := range []syscalls.ABI{syscalls.X86_64, syscalls.AARCH64, syscalls.S390X} {
			p, err := d.Resolve(Target{ABI: abi, Caps: DockerDefaultCaps, Kernel: "6.1"})
			if err != nil {
				t.Fatalf("resolve for %s: %v", abi, err)
			}
			if err := ValidateSeccomp(p); err != nil {
				t.Fatalf("resolved for %s: %v", abi, err)
			}
		}
	})
}

func TestLocalhostProfileFor(t *testing.T) {
	for _, tc := range []struct {
		dir, want string
		inKubelet bool
	}{
		{"/var/lib/kubelet/seccomp", "app.json", true},
		{"/var/lib/kubelet/seccomp/", "app.json", true},
		{"/var/lib/kubelet/seccomp/profiles", "profiles/app.json", true},
		{"/var/lib/kubelet/seccomp/a/b", "a/b/app.json", true},
		{"/var/lib/kubelet/seccompx", "seccompx/app.json", false},
		{"/tmp/profiles", "profiles/app.json", false},
	} {
		got, in := LocalhostProfileFor(tc.dir, "app")
		if got != tc.want || in != tc.inKubelet {
			t.Errorf("%s: %q %v, want %q %v", tc.dir, got, in, tc.want, tc.inKubelet)
		}
	}
}
