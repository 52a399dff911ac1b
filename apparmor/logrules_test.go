package apparmor

import (
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

func TestLogRules(t *testing.T) {
	type F = map[string]string
	tests := []struct {
		class  string
		fields F
		want   string // "" : left out
	}{
		{"signal", F{"requested_mask": "send", "signal": "term", "peer": "/usr/bin/pulseaudio///usr/lib/pulseaudio/pulse/gconf-helper"},
			"signal (send) set=(term) peer=/usr/bin/pulseaudio///usr/lib/pulseaudio/pulse/gconf-helper"},
		{"signal", F{"mask": "receive send", "signal": "9", "peer": "unconfined"}, "signal (receive, send) set=(kill) peer=unconfined"},
		{"signal", F{"mask": "send", "signal": "34"}, "signal (send) set=(rtmin+2)"},
		{"signal", F{"mask": "send", "signal": "99"}, ""},
		{"signal", F{"mask": "explode", "signal": "term"}, ""},
		{"ptrace", F{"requested_mask": "read", "peer": "unconfined"}, "ptrace (read) peer=unconfined"},
		{"ptrace", F{"peer": "unconfined"}, ""},
		{"unix", F{"mask": "connect send receive", "type": "stream", "peer_addr": "@/tmp/.X11-unix/X0", "peer": "unconfined"},
			`unix (connect, receive, send) type=stream peer=(addr=@/tmp/.X11-unix/X0, label=unconfined)`},
		{"unix", F{"mask": "bind listen accept", "type": "stream", "addr": "@srv", "peer": "unconfined"},
			"unix (bind, listen) type=stream addr=@srv\nunix (accept) type=stream addr=@srv peer=(label=unconfined)"},
		{"unix", F{"requested_mask": "bind", "sock_type": "dgram", "addr": "@a*b"}, `unix (bind) type=dgram addr="@a\*b"`},
		{"unix", F{"requested_mask": "bind", "sock_type": "dgram", "addr": "/run/x.sock"}, `unix (bind) type=dgram`},
		{"unix", F{"requested_mask": "bind", "sock_type": "bogus"}, ""},
		{"mount", F{"operation": "mount", "fstype": "proc", "srcname": "proc", "name": "/proc/", "flags": "rw, nosuid"},
			"mount fstype=proc options=(nosuid, rw) proc -> /proc/"},
		{"mount", F{"operation": "umount", "name": "/mnt/a b"}, `umount "/mnt/a b"`},
		{"mount", F{"operation": "pivotroot", "name": "/new/"}, "pivot_root /new/"},
		{"mount", F{"operation": "mount", "name": "/x", "flags": "rw,evil"}, ""},
		{"mount", F{"operation": "mount", "name": "relative"}, ""},
		{"dbus", F{"mask": "send", "bus": "session", "path": "/org/freedesktop/DBus", "interface": "org.freedesktop.DBus", "member": "Hello", "name": "org.freedesktop.DBus", "peer_label": "unconfined"},
			"dbus (send) bus=session path=/org/freedesktop/DBus interface=org.freedesktop.DBus member=Hello peer=(name=org.freedesktop.DBus, label=unconfined)"},
		{"dbus", F{"mask": "bind", "bus": "system", "name": "org.example"}, "dbus (bind) bus=system name=org.example"},
		{"dbus", F{"mask": "eavesdrop", "bus": "session", "path": "/x"}, "dbus (eavesdrop) bus=session"},
		{"dbus", F{"mask": "send", "bus": "a b"}, ""},
		{"io_uring", F{}, ""},
	}
	var all []profile.AppArmorRule
	for _, tt := range tests {
		r := profile.AppArmorRule{Class: tt.class, Fields: tt.fields}
		got, err := renderLogRule(r)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s %v: rendered %q, want it left out", tt.class, tt.fields, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s %v:\n got %q (%v)\nwant %q", tt.class, tt.fields, got, err, tt.want)
		}
		all = append(all, r)
	}
	testutil.RequireCommand(t, ParserName)
	rec := profile.NewRecording("test", "auditlog")
	for _, r := range all {
		rec.AddAppArmorRule(r)
	}
	p, err := Generate(rec, Options{Name: "logrules"})
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckBytes(p.Bytes()); err != nil {
		t.Fatal(err)
	}
}

// TestLogRulesHostileValues puts rule syntax into every value a log record carries and checks
// that the parser still sees only the rules made, with no file rule and no capability.
func TestLogRulesHostileValues(t *testing.T) {
	testutil.RequireCommand(t, ParserName)
	evil := "x,\n  /** rwx,\n  capability sys_admin,\n"
	rec := profile.NewRecording("test", "auditlog")
	for _, r := range []profile.AppArmorRule{
		{Class: "signal", Fields: map[string]string{"mask": "send", "signal": "term", "peer": evil}},
		{Class: "ptrace", Fields: map[string]string{"mask": "read", "peer": evil + `"`}},
		{Class: "unix", Fields: map[string]string{"mask": "bind", "type": "stream", "addr": "@" + evil, "peer": evil}},
		{Class: "mount", Fields: map[string]string{"operation": "mount", "fstype": "tmpfs", "srcname": evil, "name": "/mnt/" + evil}},
		{Class: "mount", Fields: map[string]string{"operation": "umount", "name": "/mnt/" + evil + "\\"}},
		{Class: "dbus", Fields: map[string]string{"mask": "send", "bus": "session", "path": "/" + evil, "interface": evil, "member": evil, "name": evil, "peer_label": evil}},
		{Class: "dbus", Fields: map[string]string{"mask": "bind", "bus": "session", "name": evil}},
	} {
		rec.AddAppArmorRule(r)
	}
	p, err := Generate(rec, Options{Name: "hostile-log"})
	if err != nil {
		t.Fatal(err)
	}
	// One rule per record (the unix bind record gives no peer rule).
	if len(p.Rules) != 7 || len(p.Warnings) != 0 {
		t.Fatalf("rules %q, warnings %q", p.Rules, p.Warnings)
	}
	// Only the rules themselves: no include, so the dump lists no file entries at all.
	text := "profile t {\n"
	for _, r := range p.Rules {
		text += "  " + r + ",\n"
	}
	text += "}\n"
	dump := parserDump(t, text, "--debug")
	if strings.Contains(dump, "Mode:\t") || strings.Contains(dump, "Capabilities:") || strings.Count(dump, "Name:\t\t") != 1 {
		t.Fatalf("values became rules:\n%s\n%s", text, dump)
	}
}
