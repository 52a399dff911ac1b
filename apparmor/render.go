package apparmor

import (
	"fmt"
	"slices"
	"strings"

	"github.com/profgen/profgen/profile"
)

// networkFamilies are the address family names AppArmor network rules accept.
var networkFamilies = []string{
	"alg", "appletalk", "ash", "atmpvc", "atmsvc", "ax25", "bluetooth", "bridge", "caif", "can",
	"econet", "ib", "ieee802154", "inet", "inet6", "ipx", "irda", "isdn", "iucv", "kcm", "key",
	"llc", "mctp", "mpls", "netbeui", "netlink", "netrom", "nfc", "packet", "phonet", "pppox",
	"qipcrtr", "rds", "rose", "rxrpc", "security", "smc", "sna", "tipc", "unix", "vsock",
	"wanpipe", "x25", "xdp",
}

// networkTypes are the socket type names AppArmor network rules accept.
var networkTypes = []string{"dgram", "packet", "raw", "rdm", "seqpacket", "stream"}

// capabilityNames are the capability names AppArmor capability rules accept.
var capabilityNames = []string{
	"audit_control", "audit_read", "audit_write", "block_suspend", "bpf", "checkpoint_restore",
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "ipc_lock", "ipc_owner",
	"kill", "lease", "linux_immutable", "mac_admin", "mac_override", "mknod", "net_admin",
	"net_bind_service", "net_broadcast", "net_raw", "perfmon", "setfcap", "setgid", "setpcap",
	"setuid", "sys_admin", "sys_boot", "sys_chroot", "sys_module", "sys_nice", "sys_pacct",
	"sys_ptrace", "sys_rawio", "sys_resource", "sys_time", "sys_tty_config", "syslog",
	"wake_alarm",
}

func (p *Profile) addNetwork(socks []profile.Socket) {
	seen := map[string]bool{}
	for _, s := range socks {
		fam := strings.ToLower(s.Family)
		if !slices.Contains(networkFamilies, fam) {
			p.Warnings = append(p.Warnings, fmt.Sprintf("socket family %q has no AppArmor name; no network rule written", s.Family))
			continue
		}
		rule := fam
		if t := strings.ToLower(s.Type); t != "" {
			if slices.Contains(networkTypes, t) {
				rule += " " + t
			} else {
				p.Warnings = append(p.Warnings, fmt.Sprintf("socket type %q has no AppArmor name; allowing every %s socket", s.Type, fam))
			}
		}
		seen[rule] = true
	}
	for r := range seen {
		fam, _, typed := strings.Cut(r, " ")
		if typed && seen[fam] {
			continue
		}
		p.Network = append(p.Network, r)
	}
	slices.Sort(p.Network)
}

func (p *Profile) addCapabilities(caps []string) {
	for _, c := range caps {
		c = strings.TrimPrefix(strings.ToLower(c), "cap_")
		if !slices.Contains(capabilityNames, c) {
			p.Warnings = append(p.Warnings, fmt.Sprintf("capability %q is unknown to AppArmor; no rule written", c))
			continue
		}
		if !slices.Contains(p.Capabilities, c) {
			p.Capabilities = append(p.Capabilities, c)
		}
	}
	slices.Sort(p.Capabilities)
}

func (p *Profile) addDerivedCapabilities(caps []profile.DerivedCapability) {
	for _, c := range caps {
		name := strings.TrimPrefix(strings.ToLower(c.Name), "cap_")
		if !slices.Contains(capabilityNames, name) {
			p.Warnings = append(p.Warnings, fmt.Sprintf("capability %q is unknown to AppArmor; no rule written", c.Name))
			continue
		}
		if slices.Contains(p.Capabilities, name) {
			continue // observed
		}
		if p.Derived == nil {
			p.Derived = map[string]string{}
		}
		p.Derived[name] = c.Reason
		p.Capabilities = append(p.Capabilities, name)
	}
	slices.Sort(p.Capabilities)
}

// commentText makes text safe inside a comment line: control characters become '?'.
func commentText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// Bytes renders the profile: deterministic, one rule a line, with a trailing newline.
func (p *Profile) Bytes() []byte {
	var b strings.Builder
	b.WriteString("# AppArmor profile written by profgen from a recording.\n")
	b.WriteString("# Check it with: profgen apparmor check FILE\n")
	b.WriteString("abi <abi/3.0>,\n\ninclude <tunables/global>\n\n")
	b.WriteString("profile " + p.Name)
	if p.Attachment != "" {
		b.WriteString(" " + QuotePath(p.Attachment))
	}
	if len(p.Flags) > 0 {
		b.WriteString(" flags=(" + strings.Join(p.Flags, ", ") + ")")
	}
	b.WriteString(" {\n")
	for _, inc := range p.Includes {
		b.WriteString("  include <" + inc + ">\n")
	}
	switch {
	case p.Covered == 1:
		b.WriteString("  # 1 recorded file is allowed by abstractions/base\n")
	case p.Covered > 1:
		fmt.Fprintf(&b, "  # %d recorded files are allowed by abstractions/base\n", p.Covered)
	}
	switch {
	case p.Failed == 1:
		b.WriteString("  # 1 recorded file was only accessed in vain (no rule; see the recording's failedFiles)\n")
	case p.Failed > 1:
		fmt.Fprintf(&b, "  # %d recorded files were only accessed in vain (no rule; see the recording's failedFiles)\n", p.Failed)
	}
	section := func(lines []string) {
		if len(lines) == 0 {
			return
		}
		b.WriteString("\n")
		for _, l := range lines {
			b.WriteString("  " + l + ",\n")
		}
	}
	var files, deny []string
	for _, f := range p.Files {
		rule := QuotePattern(f.Pattern) + " " + f.Mode
		switch {
		case f.Deny:
			deny = append(deny, "deny "+rule)
		case f.Owner:
			files = append(files, "owner "+rule)
		default:
			files = append(files, rule)
		}
	}
	section(files)
	var net []string
	for _, n := range p.Network {
		net = append(net, "network "+n)
	}
	section(net)
	if len(p.Capabilities) > 0 {
		b.WriteString("\n")
	}
	for _, c := range p.Capabilities {
		if why, ok := p.Derived[c]; ok {
			b.WriteString("  # derived, not observed: " + commentText(why) + "\n")
		}
		b.WriteString("  capability " + c + ",\n")
	}
	section(p.Rules)
	section(deny)
	b.WriteString("}\n")
	return []byte(b.String())
}
