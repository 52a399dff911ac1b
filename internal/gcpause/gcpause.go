// Package gcpause turns Go's garbage collector off for a burst of allocation whose result
// stays in use (a parse, a load): a collection meanwhile would find little garbage and only
// cost time, which a short-lived command pays on its critical path.
package gcpause

import (
	"runtime/debug"
	"sync"
)

var state struct {
	sync.Mutex
	n       int // callers with the collector off
	percent int // the setting before the first of them
}

// Pause turns the garbage collector off until the returned function is called, for as long
// as one caller (they may overlap) has it off; then the setting is as before.
func Pause() (resume func()) {
	state.Lock()
	if state.n == 0 {
		state.percent = debug.SetGCPercent(-1)
	}
	state.n++
	state.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			state.Lock()
			defer state.Unlock()
			if state.n--; state.n == 0 {
				debug.SetGCPercent(state.percent)
			}
		})
	}
}
