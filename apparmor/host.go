package apparmor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/profgen/profgen/internal/atomicfile"
	"github.com/profgen/profgen/internal/inroot"
	"github.com/profgen/profgen/internal/sizelimit"
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

// openDir opens the directory rel ("etc/apparmor.d" ...) under Root without following a link
// anywhere on the way, refusing directories others could change (inroot.ErrUnsafe).
func (h *Host) openDir(rel string, create bool) (*os.File, error) {
	root := h.Root
	if root == "" {
		root = "/"
	}
	r, err := inroot.OpenRoot(root, false)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return inroot.OpenDir(r, rel, create)
}

// underProfileDir returns file's directory relative to Root and its base name when file is
// in /etc/apparmor.d under Root (or a directory below it), where it must be reached without
// links; ok is false for a file elsewhere.
func (h *Host) underProfileDir(file string) (dir, base string, ok bool) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", "", false
	}
	root, err := filepath.Abs(h.path("/"))
	if err != nil {
		return "", "", false
	}
	rel, err := filepath.Rel(root, abs)
	if err != nil || !strings.HasPrefix(rel+"/", strings.TrimPrefix(ProfileDir, "/")+"/") || rel == strings.TrimPrefix(ProfileDir, "/") {
		return "", "", false
	}
	return filepath.Dir(rel), filepath.Base(rel), true
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
		dir, err := h.openDir(strings.TrimPrefix(DisableDir, "/"), true)
		if err != nil {
			return fmt.Errorf("disable %s: %w", file, err)
		}
		err = atomicfile.SymlinkAt(dir, target, filepath.Base(link))
		dir.Close()
		if err != nil {
			return fmt.Errorf("disable %s: link %s: %w", file, link, err)
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
	} else if err := h.removeDisableLink(link); err != nil {
		return fmt.Errorf("enable %s: %w", file, err)
	}
	return h.exec(h.LoadArgs(abs), nil)
}

// removeDisableLink removes the link link in the disable directory, reached without links;
// anything there that is not a link is left alone and reported.
func (h *Host) removeDisableLink(link string) error {
	dir, err := h.openDir(strings.TrimPrefix(DisableDir, "/"), false)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer dir.Close()
	return removeLinkAt(dir, filepath.Base(link), link)
}

// SetMode changes the mode flag of the first profile in file to "complain" or "enforce",
// writing the file atomically, then reloads it unless reload is false.
func (h *Host) SetMode(file, mode string, reload bool) error {
	if reload {
		if err := h.ready(); err != nil {
			return err
		}
	}
	var dir *os.File
	if rel, base, ok := h.underProfileDir(file); ok && !h.DryRun {
		// In /etc/apparmor.d: read and replace the file through its directory, reached
		// without links.
		d, err := h.openDir(rel, false)
		if err != nil {
			return fmt.Errorf("set %s mode: %w", mode, err)
		}
		defer d.Close()
		dir, file = d, base
	}
	text, err := readProfileFile(dir, file)
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
		if dir != nil {
			err = atomicfile.WriteAt(dir, file, out, 0o644)
		} else {
			err = atomicfile.Write(file, out, 0o644)
		}
		if err != nil {
			return fmt.Errorf("set %s mode of %s: %w", mode, file, err)
		}
	}
	if !reload {
		return nil
	}
	if dir != nil {
		file = filepath.Join(dir.Name(), file)
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
	text, err := sizelimit.ReadFile(file, sizelimit.AppArmorProfile, "an AppArmor profile")
	if err != nil {
		return "", fmt.Errorf("read profile: %w", err)
	}
	dest := h.path(filepath.Join(ProfileDir, name))
	if h.DryRun {
		fmt.Fprintln(h.Out, shellJoin(CheckArgs(h.parser(), file)))
		fmt.Fprintln(h.Out, shellJoin([]string{"install", "-m", "0644", file, dest}))
		return dest, nil
	}
	dir, err := h.openDir(strings.TrimPrefix(ProfileDir, "/"), true)
	if err != nil {
		return "", fmt.Errorf("install %s: %w", file, err)
	}
	defer dir.Close()
	if err := Check(file); err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	if err := atomicfile.WriteAt(dir, name, text, 0o644); err != nil {
		return "", fmt.Errorf("install %s: write %s: %w", file, dest, err)
	}
	return dest, nil
}

// readProfileFile reads name in dir (never through a link), or the path name when dir is nil,
// up to MaxProfileSize.
func readProfileFile(dir *os.File, name string) ([]byte, error) {
	var f *os.File
	if dir == nil {
		var err error
		if f, err = os.Open(name); err != nil {
			return nil, err
		}
	} else {
		var err error
		if f, err = openNoFollowAt(dir, name); err != nil {
			return nil, fmt.Errorf("open %s: %w", filepath.Join(dir.Name(), name), err)
		}
	}
	defer f.Close()
	return sizelimit.ReadAll(f, f.Name(), sizelimit.AppArmorProfile, "an AppArmor profile")
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
