// Command mktables generates profgen's per-ABI syscall tables from the kernel's own
// syscall*.tbl files.
//
// Usage (run by go generate in package syscalls):
//
//	go run ./internal/mktables -in internal/mktables/tables -out .
//
// It writes one file per ABI, ztable_<abi>_gen.go, plus zabis_gen.go which indexes them.
// The file names end in _gen.go so that no ABI name (arm64, mips64, ...) is ever read by the
// Go tool as a GOARCH build constraint.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// abiSpec says how one ABI's table is cut out of a kernel table file. The filters and
// offsets are the ones the kernel's build files use (see tables/SOURCES.md).
type abiSpec struct {
	abi    string   // profgen ABI name, as the OCI runtime spec spells it without SCMP_ARCH_
	ident  string   // Go identifier suffix
	file   string   // kernel table file
	abis   []string // abi column values selected
	offset int64    // added to every number
	extra  []entry  // syscalls outside the table (ARM private calls)
}

type entry struct {
	nr   int64
	name string
}

// ARM's private syscalls (arch/arm/include/uapi/asm/unistd.h, __ARM_NR_BASE 0x0f0000).
var armPrivate = []entry{
	{0xf0001, "breakpoint"},
	{0xf0002, "cacheflush"},
	{0xf0003, "usr26"},
	{0xf0004, "usr32"},
	{0xf0005, "set_tls"},
	{0xf0006, "get_tls"},
}

const (
	tblX86_64  = "arch_x86_entry_syscalls_syscall_64.tbl"
	tblI386    = "arch_x86_entry_syscalls_syscall_32.tbl"
	tblGeneric = "scripts_syscall.tbl"
	tblARM     = "arch_arm_tools_syscall.tbl"
	tblPPC     = "arch_powerpc_kernel_syscalls_syscall.tbl"
	tblS390    = "arch_s390_kernel_syscalls_syscall.tbl"
	tblO32     = "arch_mips_kernel_syscalls_syscall_o32.tbl"
	tblN64     = "arch_mips_kernel_syscalls_syscall_n64.tbl"
	tblN32     = "arch_mips_kernel_syscalls_syscall_n32.tbl"
	tblParisc  = "arch_parisc_kernel_syscalls_syscall.tbl"
	tblM68K    = "arch_m68k_kernel_syscalls_syscall.tbl"
	tblSH      = "arch_sh_kernel_syscalls_syscall.tbl"
)

var specs = []abiSpec{
	{abi: "x86_64", ident: "X86_64", file: tblX86_64, abis: []string{"common", "64"}},
	{abi: "x86", ident: "X86", file: tblI386, abis: []string{"i386"}},
	{abi: "x32", ident: "X32", file: tblX86_64, abis: []string{"common", "x32"}, offset: 0x40000000},
	{abi: "aarch64", ident: "AARCH64", file: tblGeneric, abis: []string{"common", "64", "renameat", "rlimit", "memfd_secret"}},
	{abi: "arm", ident: "ARM", file: tblARM, abis: []string{"common", "eabi"}, extra: armPrivate},
	{abi: "riscv64", ident: "RISCV64", file: tblGeneric, abis: []string{"common", "64", "riscv", "rlimit", "memfd_secret"}},
	{abi: "loongarch64", ident: "LOONGARCH64", file: tblGeneric, abis: []string{"common", "64", "memfd_secret"}},
	{abi: "ppc64", ident: "PPC64", file: tblPPC, abis: []string{"common", "nospu", "64"}},
	{abi: "ppc64le", ident: "PPC64LE", file: tblPPC, abis: []string{"common", "nospu", "64"}},
	{abi: "ppc", ident: "PPC", file: tblPPC, abis: []string{"common", "nospu", "32"}},
	{abi: "s390x", ident: "S390X", file: tblS390, abis: []string{"common", "64"}},
	// No 31-bit s390 table: the 7.x kernel's s390 table has only "common" entries, which carry
	// the 64-bit numbers; 31-bit compat was removed from the kernel. The syscalls package says
	// so when asked for an s390 number instead of guessing.
	{abi: "mips", ident: "MIPS", file: tblO32, abis: []string{"o32"}, offset: 4000},
	{abi: "mipsel", ident: "MIPSEL", file: tblO32, abis: []string{"o32"}, offset: 4000},
	{abi: "mips64", ident: "MIPS64", file: tblN64, abis: []string{"common", "n64"}, offset: 5000},
	{abi: "mipsel64", ident: "MIPSEL64", file: tblN64, abis: []string{"common", "n64"}, offset: 5000},
	{abi: "mips64n32", ident: "MIPS64N32", file: tblN32, abis: []string{"n32"}, offset: 6000},
	{abi: "mipsel64n32", ident: "MIPSEL64N32", file: tblN32, abis: []string{"n32"}, offset: 6000},
	{abi: "parisc", ident: "PARISC", file: tblParisc, abis: []string{"common", "32"}},
	{abi: "parisc64", ident: "PARISC64", file: tblParisc, abis: []string{"common", "64"}},
	{abi: "m68k", ident: "M68K", file: tblM68K, abis: []string{"common"}},
	{abi: "sh", ident: "SH", file: tblSH, abis: []string{"common"}},
	{abi: "sheb", ident: "SHEB", file: tblSH, abis: []string{"common"}},
}

var versionRE = regexp.MustCompile(`(?m)^# Linux kernel syscall tables — kernel ([0-9.]+)`)

func main() {
	in := flag.String("in", "internal/mktables/tables", "folder with the kernel's syscall*.tbl files and SOURCES.md")
	out := flag.String("out", ".", "folder to write the generated Go files to")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mktables:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	src, err := os.ReadFile(filepath.Join(in, "SOURCES.md"))
	if err != nil {
		return fmt.Errorf("read kernel version: %w", err)
	}
	m := versionRE.FindSubmatch(src)
	if m == nil {
		return fmt.Errorf("read kernel version: no %q heading in %s", "kernel X.Y.Z", filepath.Join(in, "SOURCES.md"))
	}
	version := string(m[1])
	cmdline := "go run ./internal/mktables -in " + filepath.ToSlash(in) + " -out " + filepath.ToSlash(out)

	var index bytes.Buffer
	fmt.Fprintf(&index, "// %s\n// Code generated by mktables from the Linux %s syscall tables; DO NOT EDIT.\n\npackage syscalls\n\n", cmdline, version)
	fmt.Fprintf(&index, "// KernelVersion is the Linux release whose syscall tables were compiled in.\nconst KernelVersion = %q\n\n", version)
	index.WriteString("var tables = map[ABI][]entry{\n")
	// ABIs that differ only in byte order (mips/mipsel, ppc64/ppc64le, sh/sheb) cut the same
	// table out of the same file: they share one generated table.
	written := map[string]string{}
	for _, s := range specs {
		key := fmt.Sprintf("%s|%v|%d|%v", s.file, s.abis, s.offset, s.extra)
		if ident, ok := written[key]; ok {
			fmt.Fprintf(&index, "\t%q: table%s,\n", s.abi, ident)
			continue
		}
		written[key] = s.ident
		entries, err := readTable(filepath.Join(in, s.file), s)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "// %s\n// Code generated by mktables from the Linux %s syscall tables (%s, abi %s); DO NOT EDIT.\n\npackage syscalls\n\n",
			cmdline, version, s.file, strings.Join(s.abis, ","))
		fmt.Fprintf(&b, "var table%s = []entry{\n", s.ident)
		for _, e := range entries {
			fmt.Fprintf(&b, "\t{%d, %q},\n", e.nr, e.name)
		}
		b.WriteString("}\n")
		if err := writeGo(filepath.Join(out, "ztable_"+s.abi+"_gen.go"), b.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(&index, "\t%q: table%s,\n", s.abi, s.ident)
	}
	index.WriteString("}\n")
	return writeGo(filepath.Join(out, "zabis_gen.go"), index.Bytes())
}

func writeGo(path string, src []byte) error {
	formatted, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("format %s: %w", path, err)
	}
	if err := os.WriteFile(path, formatted, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// readTable reads a kernel syscall table: lines of "<number> <abi> <name> [<entry point>...]",
// '#' comments and blank lines.
func readTable(path string, s abiSpec) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read table for %s: %w", s.abi, err)
	}
	defer f.Close()
	want := map[string]bool{}
	for _, a := range s.abis {
		want[a] = true
	}
	byNr := map[int64]string{}
	byName := map[string]int64{}
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want at least 3 fields, got %d", path, line, len(fields))
		}
		if !want[fields[1]] {
			continue
		}
		nr, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: bad syscall number: %w", path, line, err)
		}
		nr += s.offset
		name := fields[2]
		if prev, ok := byNr[nr]; ok {
			return nil, fmt.Errorf("%s:%d: %s number %d is both %s and %s", path, line, s.abi, nr, prev, name)
		}
		if prev, ok := byName[name]; ok {
			return nil, fmt.Errorf("%s:%d: %s name %s is both %d and %d", path, line, s.abi, name, prev, nr)
		}
		byNr[nr] = name
		byName[name] = nr
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	for _, e := range s.extra {
		if prev, ok := byNr[e.nr]; ok {
			return nil, fmt.Errorf("%s: extra %s %d collides with %s", s.abi, e.name, e.nr, prev)
		}
		byNr[e.nr] = e.name
	}
	if len(byNr) == 0 {
		return nil, fmt.Errorf("%s: no syscalls selected from %s with abi %v", s.abi, path, s.abis)
	}
	out := make([]entry, 0, len(byNr))
	for nr, name := range byNr {
		out = append(out, entry{nr, name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].nr < out[j].nr })
	return out, nil
}
