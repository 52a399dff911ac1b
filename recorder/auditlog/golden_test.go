package auditlog

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGoldenRecording imports every sample file and compares the recording, byte for byte,
// with testdata/golden/audit-samples.rec.json (go test -update rewrites it).
func TestGoldenRecording(t *testing.T) {
	// ausearch -i stamps are local time: read them as UTC so that the file is the same
	// in every time zone.
	local := time.Local
	time.Local = time.UTC
	defer func() { time.Local = local }()
	files, _ := filepath.Glob("testdata/audit-samples/*.log")
	files = append(files, "testdata/apparmor-test_multi/testcase_network_01.in", "testdata/apparmor-test_multi/testcase_signal_01.in")
	im := NewImporter(Options{})
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := im.Read(filepath.ToSlash(f), bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	}
	var got bytes.Buffer
	if _, err := im.Recording().WriteTo(&got); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden", "audit-samples.rec.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("recording differs from %s (go test -update rewrites it):\n%s", golden, got.String())
	}
}
