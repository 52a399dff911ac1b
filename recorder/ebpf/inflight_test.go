package ebpf

import "testing"

func TestParseTaskSyscall(t *testing.T) {
	for _, c := range []struct {
		in   string
		nr   int64
		args [6]uint64
		ok   bool
	}{
		{"34 0x0 0x0 0x2 0x7fb8f93f6fa0 0x0 0x0 0x7ffd98bb82a0 0x7fb8f94b0df2\n", 34, [6]uint64{0, 0, 2, 0x7fb8f93f6fa0, 0, 0}, true},
		{"202 0x5605d6a0 0x80 0x0 0x0 0x0 0xffffffff 0x7ffc 0x7f00\n", 202, [6]uint64{0x5605d6a0, 0x80, 0, 0, 0, 0xffffffff}, true},
		{"1073741824 0x1 0x2 0x3 0x4 0x5 0x6 0x7 0x8", 0x40000000, [6]uint64{1, 2, 3, 4, 5, 6}, true},
		{"running\n", 0, [6]uint64{}, false},
		{"-1 0x7ffd98bb82a0 0x7fb8f94b0df2\n", 0, [6]uint64{}, false},
		{"", 0, [6]uint64{}, false},
		{"7 0x1 0x2", 0, [6]uint64{}, false},
		{"7 1 2 3 4 5 6 7 8", 0, [6]uint64{}, false},
		{"7 0xg 0x2 0x3 0x4 0x5 0x6 0x7 0x8", 0, [6]uint64{}, false},
	} {
		nr, args, ok := ParseTaskSyscall([]byte(c.in))
		if nr != c.nr || args != c.args || ok != c.ok {
			t.Errorf("ParseTaskSyscall(%q) = %d %x %v, want %d %x %v", c.in, nr, args, ok, c.nr, c.args, c.ok)
		}
	}
}

func FuzzParseTaskSyscall(f *testing.F) {
	f.Add([]byte("34 0x0 0x0 0x2 0x7fb8f93f6fa0 0x0 0x0 0x7ffd98bb82a0 0x7fb8f94b0df2\n"))
	f.Add([]byte("running\n"))
	f.Add([]byte("-1 0x7ffd98bb82a0 0x7fb8f94b0df2\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		nr, args, ok := ParseTaskSyscall(b)
		if !ok && (nr != 0 || args != [6]uint64{}) {
			t.Errorf("not ok, yet %d %x", nr, args)
		}
		if ok && nr < 0 {
			t.Errorf("negative number %d", nr)
		}
	})
}
