package apparmor

import (
	"fmt"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

func TestTransientName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"profgen-example.z46428", "profgen-example.*"},
		{"profgen-example.snthdz", "profgen-example.*"}, // mktemp suffix, all lower case
		{"tmp.AbC123dEf9", "tmp.*"},
		{"temp-6381.rdb", "temp-*.rdb"},
		{"temp-rewriteaof-bg-6537.aof", "temp-rewriteaof-bg-*.aof"},
		{"appendonly.aof.1.incr.aof", "appendonly.aof.*.incr.aof"},
		{"go-build1234567890", "go-build*"},
		{"tmplll8zzby", "tmp*"},
		{"tmpabcdefgh", "tmp*"},
		{"7vx2v166", "*"},
		{"job.RDIgY2", "job.*"},
		{"job.abc123", "job.*"},
		{"app.conf", "app.conf"},
		{"out.txt", "out.txt"},
		{"a*b", `a\*b`},
	}
	for _, tt := range tests {
		if got := transientName(tt.name); got != tt.want {
			t.Errorf("transientName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestGenerateExact checks the rules made from what a recorder saw: failures, types,
// creations, transient names, derived capabilities and trees.
func TestGenerateExact(t *testing.T) {
	rec := profile.NewRecording("test", "test")
	add := func(path, access, typ string) {
		rec.AddFile(path, access, profile.Process{})
		rec.SetFileType(path, typ, profile.Process{})
	}
	fail := func(path, access string) { rec.AddFileFailure(path, access, "ENOENT", profile.Process{}) }
	fail("/root/.cargo/bin/bash", "x")    // execvp's tries
	fail("/usr/bin/pybuilddir.txt", "r")  // python's probes
	add("/srv/www/cgi-bin", "r", "dir")   // listed, no children
	add("/var/lib/nginx/body", "", "dir") // mkdir found it there (EEXIST): a type only
	add("/var/lib/nginx/body/0001", "wc", "file")
	add("/var/lib/redis/temp-6381.rdb", "wcd", "file") // created and renamed away
	add("/var/lib/redis/dump.rdb", "wc", "file")
	add("/tmp/profgen-example.snthdz", "wcd", "dir") // mktemp -d, removed
	add("/tmp/profgen-example.snthdz/app.log", "rwcd", "file")
	for i := range 12 {
		add(fmt.Sprintf("/usr/share/perl5/Mod%02d/Base.pm", i), "r", "file")
	}
	add("/usr/share/perl5/strict.pm", "r", "file")
	add("/usr/share/perl5/Mod01", "r", "dir") // listed: below the tree's root
	add("/usr/share/perl5", "r", "dir")       // the root itself stays
	add("/srv/data/a.json", "r", "file")      // too few to be a tree
	add("/tmp/ztpcpapb", "rwcd", "file")      // Python's tempfile probe: letters alone, in /tmp
	add("/srv/lockfile", "wcd", "file")       // letters alone elsewhere: a fixed name
	rec.AddDerivedCapability("setuid", "setuid(33) as uid 0 gid 0 by nginx")
	rec.AddDerivedCapability("dac_override", "create or remove entries of /var/lib/nginx/body (uid 33 gid 0 mode 0700) as uid 0\n/** rwx,")
	rec.AddCapability("net_bind_service")
	rec.AddDerivedCapability("net_bind_service", "bind to port 80")

	p, err := Generate(rec, Options{Name: "exact"})
	if err != nil {
		t.Fatal(err)
	}
	want := `  # 2 recorded files were only accessed in vain (no rule; see the recording's failedFiles)

  /srv/data/a.json r,
  owner /srv/lockfile w,
  /srv/www/cgi-bin/ r,
  owner /tmp/* rw,
  owner /tmp/profgen-example.*/ w,
  owner /tmp/profgen-example.*/app.log rw,
  /usr/share/perl5/ r,
  /usr/share/perl5/**.pm r,
  /usr/share/perl5/**/ r,
  owner /var/lib/nginx/body/0001 w,
  owner /var/lib/redis/dump.rdb w,
  owner /var/lib/redis/temp-*.rdb w,

  # derived, not observed: create or remove entries of /var/lib/nginx/body (uid 33 gid 0 mode 0700) as uid 0?/** rwx,
  capability dac_override,
  capability net_bind_service,
  # derived, not observed: setuid(33) as uid 0 gid 0 by nginx
  capability setuid,
}
`
	got := string(p.Bytes())
	if !strings.HasSuffix(got, want) {
		t.Errorf("profile:\n%s\nwant it to end with:\n%s", got, want)
	}
	testutil.RequireCommand(t, ParserName)
	if err := CheckBytes(p.Bytes()); err != nil {
		t.Error(err)
	}

	// Each rule can be switched off.
	p, _ = Generate(rec, Options{Name: "exact", Disable: []string{RuleTransient, RuleTree, RuleTemp}})
	got = string(p.Bytes())
	for _, lit := range []string{"/var/lib/redis/temp-6381.rdb w,", "/usr/share/perl5/Mod00/Base.pm r,", "/tmp/profgen-example.snthdz/ w,"} {
		if !strings.Contains(got, lit) {
			t.Errorf("with transient, tree and tmp off, no %q in:\n%s", lit, got)
		}
	}
	p, _ = Generate(rec, Options{Name: "exact", TreeThreshold: 14})
	if strings.Contains(string(p.Bytes()), "**.pm") {
		t.Errorf("threshold 14 (13 files): a tree rule:\n%s", p.Bytes())
	}
}

// TestGenerateOwnerNotOwner checks that a created file that a process of another uid
// accessed gets no owner qualifier.
func TestGenerateOwnerNotOwner(t *testing.T) {
	rec := profile.NewRecording("test", "test")
	rec.AddFile("/srv/a", "wc", profile.Process{})
	rec.AddFile("/srv/b", "wc", profile.Process{})
	rec.Files["/srv/b"].NotOwner = true
	p, err := Generate(rec, Options{Name: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	got := string(p.Bytes())
	if !strings.Contains(got, "  owner /srv/a w,\n") || !strings.Contains(got, "  /srv/b w,\n") {
		t.Errorf("profile:\n%s", got)
	}
}

// TestGenerateRandomTempNames: a file made and removed directly in a temporary directory under
// a generated name (Python's tempfile probe: letters, digits and '_') gets a rule for any name;
// a partial pattern (temp_*, a3kd_* from the digits) would miss the next run's name.
func TestGenerateRandomTempNames(t *testing.T) {
	for name, want := range map[string]string{
		"/tmp/ztpcpapb":     "owner /tmp/* rw,",
		"/tmp/ttjbm_ze":     "owner /tmp/* rw,",
		"/tmp/a3kd_x0q":     "owner /tmp/* rw,",
		"/tmp/tmpk_3jq9ab":  "owner /tmp/tmp* rw,",
		"/tmp/temp_6381":    "owner /tmp/* rw,",
		"/var/tmp/qq_rtzwx": "owner /var/tmp/* rw,",
		"/srv/ttjbm_ze":     "owner /srv/ttjbm_ze rw,", // not a temporary directory
	} {
		rec := profile.NewRecording("test", "test")
		rec.AddFile(name, "rwcd", profile.Process{})
		rec.SetFileType(name, "file", profile.Process{})
		p, err := Generate(rec, Options{Name: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(p.Bytes()); !strings.Contains(got, "\n  "+want+"\n") {
			t.Errorf("%s made and removed: want the rule %q in:\n%s", name, want, got)
		}
	}
}
