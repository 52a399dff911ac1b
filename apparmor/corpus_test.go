package apparmor

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/profgen/profgen/internal/testutil"
	"github.com/profgen/profgen/recorder/auditlog"
)

// TestLibapparmorCorpus imports every ALLOWED and DENIED record of libapparmor's test_multi
// corpus with the audit-log importer, writes a profile from each, and has apparmor_parser
// parse and compile it. The rule kinds made across the corpus are counted, so the test fails
// if the import stops producing them.
func TestLibapparmorCorpus(t *testing.T) {
	testutil.RequireCommand(t, ParserName)
	dir := testutil.SharedData(t, "apparmor-testsuite/test_multi")
	outs, err := filepath.Glob(filepath.Join(dir, "*.out"))
	if err != nil || len(outs) == 0 {
		t.Fatalf("no .out files in %s: %v", dir, err)
	}
	kinds := map[string]int{}
	cases := 0
	for _, out := range outs {
		want, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(want, []byte("Event type: AA_RECORD_ALLOWED")) && !bytes.Contains(want, []byte("Event type: AA_RECORD_DENIED")) {
			continue
		}
		in := strings.TrimSuffix(out, ".out") + ".in"
		name := filepath.Base(in)
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		im := auditlog.NewImporter(auditlog.Options{AppArmor: true})
		if err := im.Read(name, bytes.NewReader(data)); err != nil {
			t.Errorf("%s: import: %v", name, err)
			continue
		}
		rec := im.Recording()
		p, err := Generate(rec, Options{Name: "corpus", Disable: []string{RuleBase}})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		cases++
		text := p.Bytes()
		if err := CheckBytes(text); err != nil {
			t.Errorf("%s: %v\n%s", name, err, text)
		}
		kinds["file"] += len(p.Files)
		kinds["network"] += len(p.Network)
		kinds["capability"] += len(p.Capabilities)
		for _, r := range p.Rules {
			k, _, _ := strings.Cut(r, " ")
			kinds[k]++
		}
		for _, w := range p.Warnings {
			t.Logf("%s: %s", name, w)
		}
	}
	t.Logf("%d cases, rules made: %v", cases, kinds)
	if cases < 100 {
		t.Errorf("only %d ALLOWED/DENIED cases", cases)
	}
	for _, k := range []string{"file", "network", "capability", "signal", "ptrace", "mount", "dbus", "unix"} {
		if kinds[k] == 0 {
			t.Errorf("no %s rule made from the corpus", k)
		}
	}
}
