//go:build linux

package ptrace

import "testing"

func TestAdaptive(t *testing.T) {
	const hi, lo = 50000.0, 10.0
	type step struct {
		rate    float64 // stop rate of the window that ended
		want    bool    // pinned for the next window
		waiting float64 // run-queue wait per second in it (0: the default, contended)
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"rare stops stay unpinned", []step{{lo, false, 0}, {2000, false, 0}, {lo, false, 0}}},
		{"frequent stops pin, rare ones release", []step{{hi, true, 0}, {hi, true, 0}, {lo, false, 0}}},
		{"a try that does not help is undone, and the next one waits longer", []step{
			{hi, true, 0},                // frequent: pin
			{hi, true, 0},                // wait 2 -> 1
			{hi, false, 0},               // try unpinned
			{hi / 3, true, 0},            // worse: back to pinned, interval 4
			{hi, true, 0}, {hi, true, 0}, // 3, 2
			{hi, true, 0},     // 1
			{hi, false, 0},    // try again
			{hi / 2, true, 0}, // worse again: pinned, interval 8
			{hi, true, 0},
		}},
		{"no try while nothing waits for the shared CPU", []step{
			{hi, true, 0},
			{hi, true, 0.3}, {hi, true, 0.3}, {hi, true, 0.3}, {hi, true, 0.3},
			{hi, true, 1},  // contended: wait 2 -> 1
			{hi, false, 0}, // try unpinned
		}},
		{"unknown waiting does not block tries", []step{{hi, true, 0}, {hi, true, -1}, {hi, false, -1}}},
		{"a try that helps is kept", []step{
			{hi, true, 0},
			{hi, true, 0},
			{hi, false, 0},       // try unpinned
			{1.5 * hi, false, 0}, // better: stay unpinned
			{1.5 * hi, false, 0},
			{1.5 * hi, true, 0}, // try pinned
			{hi, false, 0},      // worse: back to unpinned
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a adaptive
			pinned := false
			for i, s := range tt.steps {
				waiting := s.waiting
				if waiting == 0 {
					waiting = 1.5
				}
				got := a.next(s.rate, pinned, waiting)
				if got != s.want {
					t.Fatalf("step %d (rate %.0f, pinned %v): got pinned=%v, want %v", i, s.rate, pinned, got, s.want)
				}
				pinned = got
			}
		})
	}
}
