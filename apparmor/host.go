package apparmor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/profgen/profgen/internal/atomicfile"
)

// ErrAppArmorDisabled is returned when the running kernel has no AppArmor.
var ErrAppArmorDisabled = errors.New("AppArmor is not enabled in this kernel")

// Paths under the host's root that the helpers use.
const (
	ProfileDir   = "/etc/apparmor.d"
	DisableDir   = "/etc/apparmor.d/disable"
	EnabledFile  = "/sys/module/apparmor/parameters/enabled"
	ProfilesFile = "/sys/kernel/security/apparmor/profiles"
	DefaultCache = "/var/cache/apparmor"
)

// Host runs the helpers on one machine: apparmor_parser for the kernel's side, files under
// Root for /etc/apparmor.d and the AppArmor file systems.
type Host struct {
	// Root is the file system root the /etc and /sys paths are under ("" or "/": this one).
	Root string
	// Parser is the apparmor_parser program; "" finds it on PATH.
	Parser string
	// CacheDir is the compiled-profile cache apparmor_parser -r writes to ("" DefaultCache).
	CacheDir string
	// SkipCache loads without reading or writing the cache (-K).
	SkipCache bool
	// DryRun prints what would be done to Out and changes nothing.
	DryRun bool
	// Out receives the dry-run lines.
	Out io.Writer
	// Run runs a command with optional standard input; nil runs it with os/exec.
	Run func(args []string, stdin []byte) error
}

func (h *Host) path(p string) string {
	if h.Root == "" || h.Root == "/" {
		return p
	}
	return filepath.Join(h.Root, p)
}

func (h *Host) parser() string {
	if h.Parser != "" {
		return h.Parser
	}
	return ParserName
}

// KernelEnabled reports nil when the kernel under Root has AppArmor enabled, or an error
// wrapping ErrAppArmorDisabled that says what is missing.
func (h *Host) KernelEnabled() error {
	b, err := os.ReadFile(h.path(EnabledFile))
	if err != nil {
		return fmt.Errorf("%w (%s is missing: boot with apparmor=1 security=apparmor)", ErrAppArmorDisabled, EnabledFile)
	}
	if strings.TrimSpace(string(b)) != "Y" {
		return fmt.Errorf("%w (%s is %q)", ErrAppArmorDisabled, EnabledFile, strings.TrimSpace(string(b)))
	}
	if _, err := os.Stat(h.path(ProfilesFile)); err != nil {
		return fmt.Errorf("%w (%s is missing: is securityfs mounted?)", ErrAppArmorDisabled, ProfilesFile)
	}
	return nil
}

// ready checks what running a parser command needs: a kernel with AppArmor and the parser.
// A dry run needs neither.
func (h *Host) ready() error {
	if h.DryRun {
		return nil
	}
	if err := h.KernelEnabled(); err != nil {
		return err
	}
	if h.Run == nil {
		p, err := exec.LookPath(h.parser())
		if err != nil {
			return ErrParserMissing
		}
		h.Parser = p
	}
	return nil
}

// LoadArgs is the command that loads or replaces the profiles of file, writing the cache.
func (h *Host) LoadArgs(file string) []string {
	args := []string{h.parser(), "-r"}
	if h.SkipCache {
		args = append(args, "-K")
	} else {
		cache := h.CacheDir
		if cache == "" {
			cache = DefaultCache
		}
		args = append(args, "-W", "-L", cache)
	}
	return append(args, file)
}

// UnloadArgs is the command that removes the profiles of file from the kernel.
func (h *Host) UnloadArgs(file string) []string {
	return []string{h.parser(), "-R", file}
}

func (h *Host) exec(args []string, stdin []byte) error {
	if h.DryRun {
		line := shellJoin(args)
		if stdin != nil {
			line = "echo " + shellQuote(strings.TrimSuffix(string(stdin), "\n")) + " | " + line
		}
		fmt.Fprintln(h.Out, line)
		return nil
	}
	if h.Run != nil {
		return h.Run(args, stdin)
	}
	if msg, err := runParser(args, stdin); err != nil {
		return fmt.Errorf("%s: %s", shellJoin(args), msg)
	}
	return nil
}

// Load loads (or replaces) the profiles in file.
func (h *Host) Load(file string) error {
	if err := h.ready(); err != nil {
		return err
	}
	return h.exec(h.LoadArgs(file), nil)
}

// Unload removes a profile from the kernel: target is a profile file, or a profile name
// (given to apparmor_parser -R as a one-line profile on standard input).
func (h *Host) Unload(target string) error {
	if err := h.ready(); err != nil {
		return err
	}
	if st, err := os.Stat(target); err == nil && st.Mode().IsRegular() {
		return h.exec(h.UnloadArgs(target), nil)
	}
	if err := ValidateName(target); err != nil {
		return fmt.Errorf("unload %s: neither a profile file nor a profile name: %w", target, err)
	}
	return h.exec([]string{h.parser(), "-R"}, []byte("profile "+target+" {}\n"))
}

// disableLink is the symlink that marks file disabled: /etc/apparmor.d/disable/<base name>.
func (h *Host) disableLink(file string) (string, error) {
	base := filepath.Base(file)
	if base == "." || base == "/" || base == ".." {
		return "", fmt.Errorf("profile file %q has no name", file)
	}
	return h.path(filepath.Join(DisableDir, base)), nil
}

// Disable links file into /etc/apparmor.d/disable/ so that it is not loaded at boot, and
// unloads it.
func (h *Host) Disable(file string) error {
	if err := h.ready(); err != nil {
		return err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return fmt.Errorf("disable %s: %w", file, err)
	}
	link, err := h.disableLink(abs)
	if err != nil {
		return err
	}
	target := h.inRoot(abs)
	if h.DryRun {
		fmt.Fprintln(h.Out, shellJoin([]string{"ln", "-sf", target, link}))
	} else {
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return fmt.Errorf("disable %s: %w", file, err)
		}
		if err := replaceSymlink(target, link); err != nil {
			return fmt.Errorf("disable %s: %w", file, err)
		}
	}
	return h.exec(h.UnloadArgs(abs), nil)
}

// inRoot returns abs as seen from inside Root (/etc/apparmor.d/x for ROOT/etc/apparmor.d/x),
// so that links made in another root point at the right file once that root is mounted
// as /. Paths outside Root are returned as they are.
func (h *Host) inRoot(abs string) string {
	if h.Root == "" || h.Root == "/" {
		return abs
	}
	root, err := filepath.Abs(h.Root)
	if err != nil {
		return abs
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return abs
	}
	return "/" + rel
}

// replaceSymlink makes link point at target, atomically replacing what link was.
func replaceSymlink(target, link string) error {
	tmp := link + ".profgen-tmp"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, link); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Enable removes file's link in /etc/apparmor.d/disable/ and loads it.
func (h *Host) Enable(file string) error {
	if err := h.ready(); err != nil {
		return err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return fmt.Errorf("enable %s: %w", file, err)
	}
	link, err := h.disableLink(abs)
	if err != nil {
		return err
	}
	if h.DryRun {
		fmt.Fprintln(h.Out, shellJoin([]string{"rm", "-f", link}))
	} else if err := os.Remove(link); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("enable %s: %w", file, err)
	}
	return h.exec(h.LoadArgs(abs), nil)
}

// SetMode changes the mode flag of the first profile in file to "complain" or "enforce",
// writing the file atomically, then reloads it unless reload is false.
func (h *Host) SetMode(file, mode string, reload bool) error {
	if reload {
		if err := h.ready(); err != nil {
			return err
		}
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("set %s mode: %w", mode, err)
	}
	out, err := SetProfileMode(text, mode)
	if err != nil {
		return fmt.Errorf("set %s mode of %s: %w", mode, file, err)
	}
	if h.DryRun {
		fmt.Fprintf(h.Out, "# set the flags of %s to %s mode\n", file, mode)
	} else if !bytes.Equal(out, text) {
		st, err := os.Stat(file)
		if err != nil {
			return fmt.Errorf("set %s mode: %w", mode, err)
		}
		if err := atomicfile.Write(file, out, st.Mode().Perm()); err != nil {
			return fmt.Errorf("set %s mode: %w", mode, err)
		}
	}
	if !reload {
		return nil
	}
	return h.exec(h.LoadArgs(file), nil)
}

// Install checks the profile file with apparmor_parser and writes it atomically into
// /etc/apparmor.d under Root, named name (default: the file's base name). It returns the
// installed path. It loads nothing.
func (h *Host) Install(file, name string) (string, error) {
	if name == "" {
		name = filepath.Base(file)
	}
	if err := ValidateName(name); err != nil {
		return "", fmt.Errorf("install %s: file name: %w", file, err)
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	dest := h.path(filepath.Join(ProfileDir, name))
	if h.DryRun {
		fmt.Fprintln(h.Out, shellJoin(CheckArgs(h.parser(), file)))
		fmt.Fprintln(h.Out, shellJoin([]string{"install", "-m", "0644", file, dest}))
		return dest, nil
	}
	if err := Check(file); err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return "", fmt.Errorf("install %s: %w", file, err)
	}
	if err := atomicfile.Write(dest, text, 0o644); err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	return dest, nil
}

// shellJoin writes a command line as a shell would read it.
func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+-=:,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
