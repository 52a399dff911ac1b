package apparmor

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/profile"
)

var update = flag.Bool("update", false, "rewrite the golden profiles in testdata/golden")

func loadTestRecording(t *testing.T, name string) *profile.Recording {
	t.Helper()
	rec, err := profile.LoadRecording(filepath.Join("testdata", "recordings", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// TestGolden generates profiles from recordings of real workloads, compares them with the
// golden files, and has apparmor_parser parse and compile each.
func TestGolden(t *testing.T) {
	tests := []struct {
		golden, recording string
		opts              Options
	}{
		{"ls", "ls", Options{Name: "profgen-ls", Attachment: "/usr/bin/ls"}},
		{"shell-tmp", "shell-tmp", Options{Name: "profgen-shell"}},
		{"shell-tmp-literal", "shell-tmp", Options{Name: "profgen-shell-literal", Disable: GeneralizationRules}},
		{"python-net", "python-net", Options{
			Name: "profgen-python", Container: true, Complain: true, ExecMode: "Px",
			ExecModes: map[string]string{"/usr/bin/python3": "ix"},
			Globs:     []string{"/usr/lib/python3.11/**"},
		}},
		{"python-deny-write", "python-net", Options{Name: "profgen-python-ro", Container: true, DenyWrite: []string{"/**"}}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			p, err := Generate(loadTestRecording(t, tt.recording), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := p.Bytes()
			again, _ := Generate(loadTestRecording(t, tt.recording), tt.opts)
			if !bytes.Equal(got, again.Bytes()) {
				t.Fatal("two generations from the same recording differ")
			}
			path := filepath.Join("testdata", "golden", tt.golden+".apparmor")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("profile differs from %s (go test -update rewrites it):\n%s", path, got)
			}
			if len(p.Warnings) > 0 {
				t.Logf("warnings: %q", p.Warnings)
			}
			testutil.RequireCommand(t, ParserName)
			if err := Check(path); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestGenerateRules(t *testing.T) {
	rec := profile.NewRecording("test", "test")
	add := func(path, access string) { rec.AddFile(path, access, profile.Process{}) }
	add("/usr/lib/x86_64-linux-gnu/libc.so.6", "rm") // base
	add("/etc/ld.so.cache", "r")                     // base
	add("/dev/null", "rw")                           // base
	add("/proc/self/status", "r")                    // base, through /proc/<pid>
	add("/proc/1234/cmdline", "r")                   // proc rule
	add("/proc/thread-self/comm", "rw")              // proc rule
	add("/tmp/tmp.AbC123dEf9/data", "rwc")           // tmp rule, owner
	add("/tmp/tmp.Zz9Yy8Xx7W/data", "wc")            // same pattern
	add("/tmp/stable-name", "w")                     // stays
	add("/var/lib/app/db/one", "rk")                 // user glob
	add("/var/lib/app/db/two", "w")                  // user glob
	add("/usr/bin/tool", "rx")                       // exec
	add("/usr/bin/helper", "x")                      // exec override
	add("/srv/log", "a")                             // append only
	add("/srv/new", "c")                             // create: w
	add("/srv/gone", "d")                            // delete: w
	add("/srv/link", "l")                            // link
	add("/etc/failed", "")                           // not granted
	rec.AddSocket(profile.Socket{Family: "inet", Type: "stream"})
	rec.AddSocket(profile.Socket{Family: "inet"})
	rec.AddSocket(profile.Socket{Family: "netlink", Type: "raw"})
	rec.AddSocket(profile.Socket{Family: "nosuch", Type: "stream"})
	rec.AddCapability("CAP_NET_BIND_SERVICE")
	rec.AddCapability("sys_nonsense")
	p, err := Generate(rec, Options{
		Name: "rules", Globs: []string{"/var/lib/app/db/*"},
		ExecModes: map[string]string{"/usr/bin/helper": "Cx", "/usr/bin/never-run": "px"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `  # 4 recorded files are allowed by abstractions/base

  /srv/gone w,
  /srv/link l,
  /srv/log a,
  owner /srv/new w,
  /tmp/stable-name w,
  owner /tmp/tmp.*/data rw,
  /usr/bin/helper Cx,
  /usr/bin/tool rix,
  /var/lib/app/db/* rwk,
  @{PROC}/@{pid}/cmdline r,
  @{PROC}/@{pid}/task/@{tid}/comm rw,

  network inet,
  network netlink raw,

  capability net_bind_service,
}
`
	got := string(p.Bytes())
	if !strings.HasSuffix(got, want) {
		t.Errorf("profile:\n%s\nwant it to end with:\n%s", got, want)
	}
	if len(p.Warnings) != 3 || !strings.Contains(strings.Join(p.Warnings, "\n"), "exec mode for /usr/bin/never-run not used") {
		t.Errorf("warnings %q, want 3 (unknown family, unknown capability, exec mode for a program not run)", p.Warnings)
	}
	testutil.RequireCommand(t, ParserName)
	if err := CheckBytes(p.Bytes()); err != nil {
		t.Error(err)
	}
}

func TestGenerateCover(t *testing.T) {
	rec := profile.NewRecording("test", "test")
	rec.AddFile("/data/a", "r", profile.Process{})
	rec.AddFile("/data/b", "rw", profile.Process{})
	rec.AddFile("/data/x/**", "r", profile.Process{}) // a file literally named **
	p, err := Generate(rec, Options{Name: "cover", Globs: []string{"/data/*"}, Disable: []string{RuleBase}})
	if err != nil {
		t.Fatal(err)
	}
	// /data/* takes a and b; the file named ** is not matched by the user glob (it is two
	// levels down) and stays a literal rule.
	if len(p.Files) != 2 || p.Files[0].Pattern != "/data/*" || p.Files[0].Mode != "rw" || p.Files[1].Pattern != `/data/x/\*\*` {
		t.Fatalf("files: %+v", p.Files)
	}
	// A generalised glob covers a literal it matches when its permissions include the literal's.
	rec = profile.NewRecording("test", "test")
	rec.AddFile("/tmp/tmp.AbC123dEf9", "rw", profile.Process{})
	rec.AddFile("/tmp/tmp.*", "r", profile.Process{}) // a file literally named tmp.*
	rec.AddFile("/tmp/tmp.x", "w", profile.Process{})
	p, _ = Generate(rec, Options{Name: "cover"})
	var pats []string
	for _, f := range p.Files {
		pats = append(pats, f.Pattern+" "+f.Mode)
	}
	if got := strings.Join(pats, "; "); got != `/tmp/tmp.* rw; /tmp/tmp.\* r` && got != `/tmp/tmp.* rw` {
		t.Logf("rules: %s", got)
	}
	if got := strings.Join(pats, "; "); got != `/tmp/tmp.* rw` {
		t.Errorf("rules %q, want the glob alone (it covers tmp.x and the file named tmp.*)", got)
	}
	p, _ = Generate(rec, Options{Name: "cover", Disable: []string{RuleCover}})
	if len(p.Files) != 3 {
		t.Errorf("with cover off: %+v, want 3 rules", p.Files)
	}
}

func TestGenerateOptionErrors(t *testing.T) {
	rec := profile.NewRecording("test", "test")
	for _, o := range []Options{
		{Name: ""},
		{Name: "a/b"},
		{Name: "ok", Attachment: "relative"},
		{Name: "ok", Disable: []string{"nosuch"}},
		{Name: "ok", Globs: []string{"/x, /** rwx"}},
		{Name: "ok", Globs: []string{"relative/*"}},
		{Name: "ok", DenyWrite: []string{"/x\n/**"}},
		{Name: "ok", DenyWrite: []string{"/{a"}},
		{Name: "ok", ExecMode: "rwx"},
		{Name: "ok", ExecModes: map[string]string{"/bin/x": "ux,"}},
	} {
		if _, err := Generate(rec, o); err == nil {
			t.Errorf("Generate with %+v succeeded", o)
		}
	}
}

func TestGeneralize(t *testing.T) {
	proc := []struct{ in, want string }{
		{"/proc/self/status", "@{PROC}/@{pid}/status"},
		{"/proc/42/task/43/stat", "@{PROC}/@{pid}/task/@{tid}/stat"},
		{"/proc/thread-self/attr/current", "@{PROC}/@{pid}/task/@{tid}/attr/current"},
		{"/proc/self", "@{PROC}/@{pid}"},
		{"/proc/self/fd/a*b", `@{PROC}/@{pid}/fd/a\*b`},
		{"/proc/cpuinfo", ""},
		{"/proc/0123/stat", ""},
		{"/procx/1/stat", ""},
	}
	for _, tt := range proc {
		if got := generalizeProc(tt.in); got != tt.want {
			t.Errorf("generalizeProc(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	tmp := []struct{ in, want string }{
		{"/tmp/tmp.AbC123dEf9", "/tmp/tmp.*"},
		{"/tmp/tmpab3d9x1q", "/tmp/tmp*"},
		{"/tmp/go-build1234567890/b001", "/tmp/go-build*/b001"},
		{"/tmp/kwf3m2_h", "/tmp/kwf3m2_h"},
		{"/tmp/python3", "/tmp/python3"},
		{"/tmp/Makefile", "/tmp/Makefile"},
		{"/var/tmp/sess-12345678.lock", "/var/tmp/sess-*.lock"},
		{"/run/user/1000/app-AbCdEfGh/sock", "/run/user/1000/app-*/sock"},
		{"/tmp/a*b12345678", `/tmp/a\*b*`},
		{"/tmp/x-12345678", "/tmp/x-*"},
		{"/tmp/x-123456", "/tmp/x-123456"},
		{"/home/tmp.AbC123dEf9", ""},
	}
	for _, tt := range tmp {
		got := generalizeTemp(tt.in)
		if got == "" && tt.want != "" {
			got = EscapePath(tt.in)
			if got != tt.want {
				t.Errorf("generalizeTemp(%q) = unchanged, want %q", tt.in, tt.want)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("generalizeTemp(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAccessPerms(t *testing.T) {
	for in, want := range map[string]string{
		"r": "r", "rw": "rw", "a": "a", "wa": "w", "c": "w", "d": "w", "rm": "mr", "kl": "lk",
		"rwacdlkmx": "mrwlk", "x": "", "": "",
	} {
		if got := accessPerms(in); got != want {
			t.Errorf("accessPerms(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCompilePattern(t *testing.T) {
	tests := []struct {
		pattern string
		match   []string
		nomatch []string
	}{
		{"/a/*", []string{"/a/b", "/a/"}, []string{"/a/b/c", "/a"}},
		{"/a/**", []string{"/a/b/c", "/a/"}, []string{"/b"}},
		{"/a/?", []string{"/a/b"}, []string{"/a/bc", "/a//"}},
		{"/{usr/,}lib/x", []string{"/lib/x", "/usr/lib/x"}, []string{"/usrlib/x"}},
		{"/a/[0-9]", []string{"/a/5"}, []string{"/a/x"}},
		{`/a/\*`, []string{"/a/*"}, []string{"/a/b"}},
		{"@{PROC}/@{pid}/stat", []string{"/proc/1/stat", "/proc/4194304/stat"}, []string{"/proc/self/stat", "/proc/0/stat"}},
		{"/proc//stat", []string{"/proc/stat"}, []string{"/proc/1/stat"}},
	}
	for _, tt := range tests {
		re, err := compilePattern(tt.pattern)
		if err != nil {
			t.Errorf("compilePattern(%q): %v", tt.pattern, err)
			continue
		}
		for _, m := range tt.match {
			if !re.MatchString(m) {
				t.Errorf("%q does not match %q", tt.pattern, m)
			}
		}
		for _, m := range tt.nomatch {
			if re.MatchString(m) {
				t.Errorf("%q matches %q", tt.pattern, m)
			}
		}
	}
	for _, bad := range []string{"/{a", "/a}", "/[a", "/@{nosuch}", `/a\`} {
		if _, err := compilePattern(bad); err == nil {
			t.Errorf("compilePattern(%q) succeeded", bad)
		}
	}
}

// TestBaseRulesInAbstraction checks that every entry of baseRules is a rule of the installed
// abstractions/base with at least the permissions the table gives it.
func TestBaseRulesInAbstraction(t *testing.T) {
	testutil.RequireCommand(t, ParserName)
	if _, err := os.Stat("/etc/apparmor.d/abstractions/base"); err != nil {
		t.Skipf("abstractions/base not installed: %v", err)
	}
	dump := parserDump(t, "abi <abi/3.0>,\ninclude <tunables/global>\nprofile t {\n  include <abstractions/base>\n}\n", "--debug")
	entries := map[string]string{}
	for _, l := range strings.Split(dump, "\n") {
		mode, name, ok := strings.Cut(strings.TrimPrefix(l, "Mode:\t"), "\tName:\t(")
		if ok && strings.HasPrefix(l, "Mode:\t") {
			entries[strings.TrimSuffix(name, ")")] = mode
		}
	}
	if len(entries) < 20 {
		t.Fatalf("found only %d entries in the parser's dump:\n%s", len(entries), dump)
	}
	for _, r := range baseRules {
		mode, ok := entries[r.pattern]
		if !ok {
			t.Errorf("abstractions/base has no rule %s", r.pattern)
			continue
		}
		user, other, _ := strings.Cut(mode, ":")
		if !permsCover(user, r.mode) || !permsCover(other, r.mode) {
			t.Errorf("abstractions/base allows %s on %s, the table says %s", mode, r.pattern, r.mode)
		}
	}
}

func TestGenerateDirectories(t *testing.T) {
	rec := profile.NewRecording("test", "test")
	rec.AddFile("/srv/data", "r", profile.Process{})      // listed, and has a child: a directory
	rec.AddFile("/srv/data/file", "r", profile.Process{}) // a file
	rec.AddFile("/srv/other", "r", profile.Process{})     // no child recorded: left as it is
	rec.AddFile("/srv/made/", "wc", profile.Process{})    // already marked
	rec.AddFile("/srv/made/x/y", "wc", profile.Process{}) // parents not recorded: no rules
	p, err := Generate(rec, Options{Name: "dirs"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range p.Files {
		got = append(got, f.Pattern)
	}
	want := "/srv/data/ /srv/data/file /srv/made/ /srv/made/x/y /srv/other"
	if strings.Join(got, " ") != want {
		t.Errorf("patterns %q, want %q", got, want)
	}
}

func TestDefaultName(t *testing.T) {
	for _, tt := range []struct {
		cmd  []string
		want string
	}{
		{nil, "profgen"},
		{[]string{"/usr/sbin/nginx", "-g", "daemon off;"}, "profgen-nginx"},
		{[]string{"env", "-i", "PATH=/bin", "ls", "-l"}, "profgen-ls"},
		{[]string{"./my app!"}, "profgen-my-app"},
		{[]string{"..."}, "profgen"},
	} {
		rec := profile.NewRecording("test", "test")
		rec.Source.Command = tt.cmd
		got := DefaultName(rec)
		if got != tt.want {
			t.Errorf("DefaultName(%q) = %q, want %q", tt.cmd, got, tt.want)
		}
		if err := ValidateName(got); err != nil {
			t.Errorf("DefaultName(%q) = %q: %v", tt.cmd, got, err)
		}
	}
}

func TestGenerateCoverPatterns(t *testing.T) {
	for _, tt := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"/tmp/d5k5poz9xq": "rwc", "/tmp/tmp8v169ab_xc": "rwc"}, "/tmp/* rw"},
		{map[string]string{"/tmp/d5k5poz9xq": "r", "/tmp/tmp8v169ab_xc": "rwc"}, "/tmp/* r; /tmp/*_xc rw"},
		{map[string]string{"/tmp/d5k5poz9xq": "rwc", "/tmp/tmp8v169ab_xc": "rw"}, "/tmp/* rw; /tmp/*_xc rw"},
	} {
		rec := profile.NewRecording("test", "test")
		for f, a := range tt.files {
			rec.AddFile(f, a, profile.Process{})
		}
		p, err := Generate(rec, Options{Name: "cover", Disable: []string{RuleOwner}})
		if tt.want == "/tmp/* rw; /tmp/*_xc rw" {
			p, err = Generate(rec, Options{Name: "cover"}) // owner glob, non-owner file
		}
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range p.Files {
			got = append(got, f.Pattern+" "+f.Mode)
		}
		if strings.Join(got, "; ") != tt.want {
			t.Errorf("%v: rules %q, want %q", tt.files, strings.Join(got, "; "), tt.want)
		}
	}
	for in, want := range map[string]string{"/a/*": "/a/\x01", "/a/*x*": "/a/\x01x\x01", "/a/**": "", "/a/?": "", `/a/\*`: "", "@{PROC}/*": ""} {
		got, ok := coverSample(in)
		if ok != (want != "") || got != want {
			t.Errorf("coverSample(%q) = %q, %v", in, got, ok)
		}
	}
}

// TestGenerateFileEdgeCases covers what the file rules make of odd entries of a recording: a
// relative path or one holding a NUL is skipped with a warning, access letters that give no
// permission give no rule, two programs under one pattern with different exec modes keep the
// first one's mode with a warning, unused exec modes are warned about in sorted order, and a
// failed file counts as failed only when no access to it was granted.
func TestGenerateFileEdgeCases(t *testing.T) {
	rec := profile.NewRecording("test", "test")
	none := profile.Process{}
	rec.AddFile("/srv/a", "r", none)
	rec.Files["relative/file"] = &profile.FileAccess{Access: "r"}
	rec.Files["/srv/nul\x00"] = &profile.FileAccess{Access: "r"}
	rec.Files["/srv/odd"] = &profile.FileAccess{Access: "z"} // a letter that is no permission
	rec.AddFile("/tmp/tmp.AbC123dEf9/run", "rx", none)
	rec.AddFile("/tmp/tmp.Zz9Yy8Xx7W/run", "rx", none)
	rec.AddFileFailure("/srv/missing", "r", "ENOENT", none) // failed only: counted
	rec.SetFileType("/srv/made", profile.FileTypeDir, none) // a type, no access: counted
	rec.AddFileFailure("/srv/made", "w", "EEXIST", none)
	rec.AddFileFailure("/srv/a", "w", "EACCES", none) // r was granted: not counted
	opts := Options{Name: "edges", ExecModes: map[string]string{
		"/tmp/tmp.Zz9Yy8Xx7W/run": "Px", "/usr/bin/z": "px", "/usr/bin/a": "ux", "/usr/bin/m": "ux",
	}}
	p, err := Generate(rec, opts)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range p.Files {
		rules = append(rules, fmt.Sprintf("%s %s owner=%v", f.Pattern, f.Mode, f.Owner))
	}
	if got, want := strings.Join(rules, "; "), "/srv/a r owner=false; /tmp/tmp.*/run rix owner=false"; got != want {
		t.Errorf("rules %q, want %q", got, want)
	}
	wantWarnings := []string{
		`file "/srv/nul\x00" skipped: not an absolute path`,
		"/tmp/tmp.*/run: programs run with different exec modes; kept ix",
		`file "relative/file" skipped: not an absolute path`,
		"exec mode for /usr/bin/a not used: no program of the recording was run from that file (programs are named by their file, after symbolic links)",
		"exec mode for /usr/bin/m not used: no program of the recording was run from that file (programs are named by their file, after symbolic links)",
		"exec mode for /usr/bin/z not used: no program of the recording was run from that file (programs are named by their file, after symbolic links)",
	}
	if !slices.Equal(p.Warnings, wantWarnings) {
		t.Errorf("warnings:\n%q\nwant:\n%q", p.Warnings, wantWarnings)
	}
	for range 10 { // the exec modes are a map: its order must not show
		if again, _ := Generate(rec, opts); !slices.Equal(again.Warnings, p.Warnings) {
			t.Fatalf("warnings %q, then %q", p.Warnings, again.Warnings)
		}
	}
	if p.Failed != 2 || p.Covered != 0 {
		t.Errorf("failed %d, covered %d; want 2 and 0", p.Failed, p.Covered)
	}
}

// TestGenerateFileGrouping covers how files join one rule: a program under a path that
// abstractions/base covers still gets its exec rule; the programs and plain files under one
// pattern give it the exec mode of the programs, with no warning; files a user glob takes or
// abstractions/base covers do not count towards a tree rule; a literal rule is dropped for a
// glob that matches its path (not its escaped pattern); and with the owner rule off an owner
// glob covers a rule that is not owner.
func TestGenerateFileGrouping(t *testing.T) {
	rules := func(p *Profile) string {
		var out []string
		for _, f := range p.Files {
			out = append(out, f.Pattern+" "+f.Mode)
		}
		return strings.Join(out, "; ")
	}
	rec := profile.NewRecording("test", "test")
	add := func(path, access string) { rec.AddFile(path, access, profile.Process{}) }
	add("/usr/lib/x86_64-linux-gnu/helper", "rx") // base allows r, not x
	add("/usr/lib/x86_64-linux-gnu/libz.so", "r") // base
	add("/tmp/tmp.AbC123dEf9/tool", "r")
	add("/tmp/tmp.Mm5Nn6Oo7P/tool", "rx")
	add("/tmp/tmp.Zz9Yy8Xx7W/tool", "r")
	p, err := Generate(rec, Options{Name: "grouping"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rules(p), "/tmp/tmp.*/tool rix; /usr/lib/x86_64-linux-gnu/helper rix"; got != want {
		t.Errorf("rules %q, want %q", got, want)
	}
	if len(p.Warnings) != 0 || p.Covered != 1 {
		t.Errorf("warnings %q, covered %d; want none and 1", p.Warnings, p.Covered)
	}

	// Two files of each tree are left out of it (a user glob, abstractions/base): the two
	// others are fewer than the threshold of three.
	rec = profile.NewRecording("test", "test")
	for _, f := range []string{"/srv/app/lib/a/one.py", "/srv/app/lib/a/two.py", "/srv/app/lib/b/one.py", "/srv/app/lib/b/two.py",
		"/usr/share/zoneinfo/Europe/One.tz", "/usr/share/zoneinfo/Europe/Two.tz"} {
		add(f, "r")
	}
	add("/usr/share/zoneinfo/Europe/Three.tz", "rm") // base allows r alone
	add("/usr/share/zoneinfo/Europe/Four.tz", "rm")
	p, err = Generate(rec, Options{Name: "grouping", Globs: []string{"/srv/app/lib/a/*"}, TreeThreshold: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rules(p), "/srv/app/lib/a/* r; /srv/app/lib/b/one.py r; /srv/app/lib/b/two.py r; /usr/share/zoneinfo/Europe/Four.tz mr; /usr/share/zoneinfo/Europe/Three.tz mr"; got != want {
		t.Errorf("rules %q, want %q", got, want)
	}

	// A file whose name needs escaping is covered by a glob that matches its path (the
	// escaped pattern /tmp/tmp.x/a\"b does not match).
	rec = profile.NewRecording("test", "test")
	add(`/tmp/tmp.AbC123dEf9/a"b`, "rw")
	add(`/tmp/tmp.x/a"b`, "r")
	p, _ = Generate(rec, Options{Name: "grouping"})
	if got, want := rules(p), `/tmp/tmp.*/a\"b rw`; got != want {
		t.Errorf("rules %q, want %q", got, want)
	}

	// An owner glob covers a glob that is not owner only when owner rules are off.
	rec = profile.NewRecording("test", "test")
	add("/tmp/d5k5poz9xq", "rwc")
	add("/tmp/tmp8v169ab_xc", "rw")
	p, _ = Generate(rec, Options{Name: "grouping", Disable: []string{RuleOwner}})
	if got, want := rules(p), "/tmp/* rw"; got != want {
		t.Errorf("owner off: rules %q, want %q", got, want)
	}
}
