package syscalls

import (
	"encoding/csv"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// csvColumn maps each ABI to its column in libseccomp's syscalls.csv and the offset
// libseccomp leaves out of that column's numbers.
var csvColumn = map[ABI]struct {
	col    string
	offset int64
}{
	X86_64: {"x86_64", 0}, X86: {"x86", 0}, X32: {"x32", X32SyscallBit},
	AARCH64: {"aarch64", 0}, ARM: {"arm", 0}, RISCV64: {"riscv64", 0},
	LOONGARCH64: {"loongarch64", 0}, PPC64: {"ppc64", 0}, PPC64LE: {"ppc64", 0},
	PPC: {"ppc", 0}, S390X: {"s390x", 0}, S390: {"s390", 0},
	MIPS: {"mips", 4000}, MIPSEL: {"mips", 4000}, MIPS64: {"mips64", 5000},
	MIPSEL64: {"mips64", 5000}, MIPS64N32: {"mips64n32", 6000}, MIPSEL64N32: {"mips64n32", 6000},
	PARISC: {"parisc", 0}, PARISC64: {"parisc64", 0}, M68K: {"m68k", 0}, SH: {"sh", 0}, SHEB: {"sh", 0},
}

// readLibseccompCSV returns ABI -> name -> number from libseccomp's table.
func readLibseccompCSV(t *testing.T) map[ABI]map[string]int64 {
	t.Helper()
	f, err := os.Open("testdata/libseccomp/syscalls.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	colIdx := map[string]int{}
	for i, h := range header {
		colIdx[h] = i
	}
	out := map[ABI]map[string]int64{}
	for abi, c := range csvColumn {
		i, ok := colIdx[c.col]
		if !ok {
			t.Fatalf("syscalls.csv has no column %q", c.col)
		}
		m := map[string]int64{}
		for _, row := range rows[1:] {
			if row[i] == "PNR" {
				continue
			}
			n, err := strconv.ParseInt(row[i], 10, 64)
			if err != nil {
				t.Fatalf("syscalls.csv: %s on %s: %v", row[0], c.col, err)
			}
			// ARM's private calls carry their full value already.
			if n < 0xf0000 {
				n += c.offset
			}
			m[row[0]] = n
		}
		out[abi] = m
	}
	return out
}

// knownDifferences lists, per ABI, the syscalls in exactly one of the two tables, and why.
var knownDifferences = map[ABI]struct {
	onlyKernel, onlyLibseccomp []string
	why                        string
}{
	// loongarch's Makefile.syscalls selects the memfd_secret abi; libseccomp marks it PNR.
	LOONGARCH64: {onlyKernel: []string{"memfd_secret"}, why: "libseccomp lacks loongarch64 memfd_secret"},
	// The MIPS tables keep placeholder names for numbers that were never syscalls;
	// libseccomp leaves them out.
	MIPS:        {onlyKernel: mipsO32Placeholders, why: "kernel placeholder entries"},
	MIPSEL:      {onlyKernel: mipsO32Placeholders, why: "kernel placeholder entries"},
	MIPS64:      {onlyKernel: mips64Placeholders, why: "kernel placeholder entries"},
	MIPSEL64:    {onlyKernel: mips64Placeholders, why: "kernel placeholder entries"},
	MIPS64N32:   {onlyKernel: mips64Placeholders, why: "kernel placeholder entries"},
	MIPSEL64N32: {onlyKernel: mips64Placeholders, why: "kernel placeholder entries"},
}

var (
	mipsO32Placeholders = []string{"reserved221", "reserved82", "unused109", "unused150", "unused18", "unused28", "unused59", "unused84"}
	mips64Placeholders  = []string{"reserved177", "reserved193"}
)

func TestAgreesWithLibseccompCSV(t *testing.T) {
	csvTables := readLibseccompCSV(t)
	if len(csvColumn) != len(ABIs()) {
		t.Fatalf("csvColumn covers %d ABIs, profgen has %d", len(csvColumn), len(ABIs()))
	}
	compared := 0
	for _, abi := range ABIs() {
		if !abi.HasTable() {
			// 31-bit s390: Linux 7.1.5 has no table for it (see the generator); libseccomp
			// keeps the numbers from kernels that still had 31-bit compat.
			if abi != S390 {
				t.Errorf("%s has no table", abi)
			}
			continue
		}
		want := csvTables[abi]
		var onlyOurs, onlyTheirs, differ []string
		for _, s := range abi.Syscalls() {
			n, ok := want[s.Name]
			switch {
			case !ok:
				onlyOurs = append(onlyOurs, s.Name)
			case n != s.Nr:
				differ = append(differ, s.Name+"="+strconv.FormatInt(s.Nr, 10)+"/"+strconv.FormatInt(n, 10))
			default:
				compared++
			}
		}
		for name := range want {
			if !abi.Has(name) {
				onlyTheirs = append(onlyTheirs, name)
			}
		}
		sort.Strings(onlyOurs)
		sort.Strings(onlyTheirs)
		known := knownDifferences[abi]
		if strings.Join(onlyOurs, " ") != strings.Join(known.onlyKernel, " ") {
			t.Errorf("%s: only in the kernel tables: %v, want %v", abi, onlyOurs, known.onlyKernel)
		}
		if strings.Join(onlyTheirs, " ") != strings.Join(known.onlyLibseccomp, " ") {
			t.Errorf("%s: only in libseccomp: %v, want %v", abi, onlyTheirs, known.onlyLibseccomp)
		}
		if len(differ) > 0 {
			t.Errorf("%s: numbers differ (ours/libseccomp): %s", abi, strings.Join(differ, " "))
		}
	}
	if compared < 8000 {
		t.Errorf("only %d (ABI, name, number) triples compared", compared)
	}
}
