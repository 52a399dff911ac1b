//go:build linux

package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/profgen/profgen/apparmor"
	"github.com/profgen/profgen/internal/testutil"
)

// nginxConf is a configuration for Debian's nginx: the master runs as root, binds a port
// below 1024 and starts workers that change to www-data; the logs belong to www-data, so
// root writes them only with dac_override.
const nginxConf = `user www-data;
worker_processes 2;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log;
events { worker_connections 64; }
http {
	access_log %[1]s/logs/access.log;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	server {
		listen 127.0.0.1:%[2]d;
		root %[1]s/www;
	}
}
`

// freeLowPort returns a port below 1024 that nothing listens on.
func freeLowPort(t *testing.T) int {
	for port := 900; port < 1000; port++ {
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			l.Close()
			return port
		}
	}
	t.Skip("no free port between 900 and 999")
	return 0
}

// TestAppArmorNginx records Debian's nginx serving a page with the ptrace backend and
// checks the AppArmor profile made from it: derived capabilities, owner rules, no rule for
// a file only accessed in vain, and apparmor_parser accepts it.
func TestAppArmorNginx(t *testing.T) {
	testutil.RequireRoot(t)
	nginx := testutil.RequireCommand(t, "nginx")
	dir := nginxDir(t)
	port := freeLowPort(t)
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, dir, port), 0o644); err != nil {
		t.Fatal(err)
	}
	prof := filepath.Join(dir, "profile")
	// The ptrace backend: the capabilities checked below are those it derives from what
	// succeeded (the eBPF backend records the checks themselves).
	cmd := profgenCommand("record", "--backend", "ptrace", "--recording", filepath.Join(dir, "rec.json"), "--apparmor", prof,
		"--apparmor-name", "nginx", "--", nginx, "-c", conf, "-g", "daemon off;")
	recordNginxServing(t, cmd, dir, port)
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	t.Logf("profile:\n%s", text)
	checkNginxProfile(t, text, filepath.Join(dir, "rec.json"))
	testutil.RequireCommand(t, apparmor.ParserName)
	if err := apparmor.Check(prof); err != nil {
		t.Errorf("apparmor_parser -Q -K: %v\n%s", err, text)
	}
}

// nginxDir makes the directory nginxConf names, readable by all: www/index.html, and logs
// that www-data owns, as Debian's logrotate leaves them. It is removed when the test ends.
func nginxDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "profgen-nginx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"logs", "www"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "www", "index.html"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"error.log", "access.log"} {
		p := filepath.Join(dir, "logs", l)
		if err := os.WriteFile(p, nil, 0o640); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, 33, 4); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// recordNginxServing runs cmd, a profgen record of nginx with its configuration in dir,
// asks nginx for its page and for a missing one, stops it gracefully and waits for the
// recording to end. The test fails if nginx did not serve the page.
func recordNginxServing(t *testing.T, cmd *exec.Cmd, dir string, port int) {
	t.Helper()
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ok := false
	for i := 0; i < 100 && !ok; i++ {
		time.Sleep(100 * time.Millisecond)
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/index.html", port))
		if err == nil {
			ok = resp.StatusCode == 200
			resp.Body.Close()
		}
	}
	if resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/missing", port)); err == nil {
		resp.Body.Close()
	}
	// nginx's graceful stop, sent to its master
	if pid, err := os.ReadFile(filepath.Join(dir, "nginx.pid")); err == nil {
		var n int
		fmt.Sscan(string(pid), &n)
		if n > 0 {
			syscall.Kill(n, syscall.SIGQUIT)
		}
	} else {
		cmd.Process.Signal(syscall.SIGTERM)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("profgen record nginx: %v\n%s", err, out)
	}
	if !ok {
		t.Fatalf("nginx did not serve the page:\n%s", out)
	}
}

// checkNginxProfile checks the AppArmor profile text made from the recording recPath of
// nginx: the capabilities derived, the owner rule of a directory the master made, and no
// rule for a file that was only looked for.
func checkNginxProfile(t *testing.T, text, recPath string) {
	t.Helper()
	// The master changed to www-data, bound a port below 1024 and wrote www-data's logs.
	for _, c := range []string{"setuid", "setgid", "net_bind_service", "dac_override"} {
		if !strings.Contains(text, "  # derived, not observed: ") || !strings.Contains(text, "\n  capability "+c+",\n") {
			t.Errorf("no derived capability %s:\n%s", c, text)
		}
	}
	// The master made the temporary directories and gave them to www-data: owner, as
	// AppArmor compares the owner at the mkdir and the chown, both as root.
	if !regexp.MustCompile(`(?m)^  owner /tmp/profgen-nginx-[^/]*/body/ w,$`).MatchString(text) {
		t.Errorf("no owner rule for the body directory the master made:\n%s", text)
	}
	// No rule for a file that was only looked for: the recording lists them apart.
	rec := loadRec(t, recPath)
	if len(rec.FailedFiles) == 0 {
		t.Errorf("no failed accesses recorded (nginx looks for /etc/userdb and the like)")
	}
	for p := range rec.FailedFiles {
		if f := rec.Files[p]; f != nil && f.Access != "" {
			continue // also accessed with success
		}
		if strings.Contains(text, "  "+apparmor.QuotePath(p)+" ") || strings.Contains(text, " "+apparmor.QuotePath(p)+" ") {
			t.Errorf("rule for %s, which was only accessed in vain:\n%s", p, text)
		}
	}
	for _, p := range []string{"/etc/userdb", "/run/systemd/userdb"} {
		if strings.Contains(text, p) {
			t.Errorf("rule for %s:\n%s", p, text)
		}
	}
}

// TestAppArmorRedisTempNames records redis-server saving in the background and rewriting
// its append-only file: the files it names by PID or by number get * in the profile.
func TestAppArmorRedisTempNames(t *testing.T) {
	server := testutil.RequireCommand(t, "redis-server")
	cli := testutil.RequireCommand(t, "redis-cli")
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "redis.sock")
	prof := filepath.Join(dir, "profile")
	// The ptrace backend: the capabilities checked below are those it derives from what
	// succeeded (the eBPF backend records the checks themselves).
	cmd := profgenCommand("record", "--backend", "ptrace", "--recording", filepath.Join(dir, "rec.json"), "--apparmor", prof,
		"--apparmor-name", "redis", "--apparmor-no-generalize", "tmp", "--", server, "--port", "0", "--unixsocket", sock,
		"--dir", data, "--appendonly", "yes", "--save", "")
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	redis := func(args ...string) string {
		b, _ := exec.Command(cli, append([]string{"-s", sock}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(b))
	}
	for i := 0; i < 100 && redis("ping") != "PONG"; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	redis("set", "k", "v")
	redis("bgsave")
	for i := 0; i < 100 && !strings.Contains(redis("info", "persistence"), "rdb_bgsave_in_progress:0"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	redis("bgrewriteaof")
	for i := 0; i < 100 && !strings.Contains(redis("info", "persistence"), "aof_rewrite_in_progress:0"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	redis("shutdown", "nosave")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("profgen record redis-server: %v\n%s", err, out)
	}
	b, err := os.ReadFile(prof)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), data, "DATA")
	t.Logf("profile:\n%s", text)
	for _, want := range []string{"owner DATA/temp-*.rdb rw,", "owner DATA/dump.rdb w,", "owner DATA/appendonlydir/appendonly.aof.*.incr.aof rw,"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q", want)
		}
	}
	// No name of this run: temp-<pid>, appendonly.aof.<n>.
	if m := regexp.MustCompile(`DATA/\S*(temp-[^*\s]*[0-9]|aof\.[0-9])\S*`).FindString(text); m != "" {
		t.Errorf("per-run name %q", m)
	}
	testutil.RequireCommand(t, apparmor.ParserName)
	if err := apparmor.Check(prof); err != nil {
		t.Errorf("apparmor_parser -Q -K: %v", err)
	}
}
