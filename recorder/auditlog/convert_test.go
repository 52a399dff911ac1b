package auditlog

import (
	"reflect"
	"testing"

	"github.com/profgen/profgen/profile"
)

func TestAppArmorToRecording(t *testing.T) {
	const stamp = `type=AVC msg=audit(1409438250.564:201): `
	tests := []struct {
		name  string
		body  string
		check func(*profile.Recording) bool
	}{
		{"file old mask", `[  878.662172] audit: type=1503 audit(1282626827.320:411):  operation="truncate" pid=1957 profile="/p" requested_mask="w::" denied_mask="w::" fsuid=0 ouid=0 name="/var/lib/x"`,
			func(r *profile.Recording) bool {
				return r.Files["/var/lib/x"] != nil && r.Files["/var/lib/x"].Access == "w"
			}},
		{"capability", `apparmor="DENIED" operation="capable" profile="/p" pid=7292 comm="x" capability=23  capname="sys_nice"`,
			func(r *profile.Recording) bool { return reflect.DeepEqual(r.Capabilities, []string{"sys_nice"}) }},
		{"network", `apparmor="DENIED" operation="sendmsg" profile="/p" pid=1 comm="x" lport=765 fport=2049 family="inet" sock_type="stream" protocol=6`,
			func(r *profile.Recording) bool {
				return reflect.DeepEqual(r.Sockets, []profile.Socket{{Family: "inet", Type: "stream", Protocol: 6}})
			}},
		{"signal denied mask only", `apparmor="DENIED" operation="signal" profile="/p" pid=2531 comm="x" denied_mask="send" signal=term peer="/q"`,
			func(r *profile.Recording) bool {
				return len(r.AppArmor) == 1 && reflect.DeepEqual(r.AppArmor[0], profile.AppArmorRule{Class: "signal", Fields: map[string]string{"mask": "send", "signal": "term", "peer": "/q"}})
			}},
		{"unix", `apparmor="DENIED" operation="connect" class="net" profile="/p" pid=1 comm="c" family="unix" sock_type="stream" protocol=0 requested="send receive connect" denied="send receive connect" addr=none peer_addr="@sock" peer="/s"`,
			func(r *profile.Recording) bool {
				return len(r.AppArmor) == 1 && r.AppArmor[0].Class == "unix" && r.AppArmor[0].Fields["peer_addr"] == "@sock" && r.AppArmor[0].Fields["addr"] == "" && len(r.Sockets) == 1
			}},
		{"status gives nothing", `apparmor="STATUS" operation="profile_replace" name="/sbin/dhclient3" pid=1 comm="apparmor_parser"`,
			func(r *profile.Recording) bool { return len(r.Files) == 0 && len(r.AppArmor) == 0 }},
	}
	for _, tt := range tests {
		var r Record
		line := stamp + tt.body
		if tt.body[0] == '[' {
			line = tt.body
		}
		if err := r.Parse([]byte(line)); err != nil || r.Kind != KindAppArmor {
			t.Errorf("%s: parse: %v (kind %d)", tt.name, err, r.Kind)
			continue
		}
		rec := profile.NewRecording("profgen", "auditlog")
		addAppArmorTo(rec, &r.AppArmor)
		if !tt.check(rec) {
			t.Errorf("%s: recording files %v caps %v sockets %v rules %v", tt.name, rec.Files, rec.Capabilities, rec.Sockets, rec.AppArmor)
		}
	}
}
