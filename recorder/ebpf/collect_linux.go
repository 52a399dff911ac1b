//go:build linux && amd64

package ebpf

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/cilium/ebpf"

	"github.com/profgen/profgen/profile"
	"github.com/profgen/profgen/recorder"
	"github.com/profgen/profgen/syscalls"
)

// collect reads the program's maps and hands what they hold to agg: each counted syscall with
// its total, and for the syscalls whose arguments are kept, one event per distinct argument
// set. It returns the calls counted and the losses by name.
func (p *programs) collect(agg *recorder.Aggregator) (uint64, map[string]uint64, error) {
	args, err := p.readArgs()
	if err != nil {
		return 0, nil, err
	}
	counts, ncpu, err := p.readCounts()
	if err != nil {
		return 0, nil, err
	}
	var total uint64
	for i, abi := range abis {
		for idx := uint32(0); idx < maxNr; idx++ {
			at := (i*maxNr + int(idx)) * ncpu
			calls, first := sumCounts(counts[at : at+ncpu])
			if calls == 0 {
				continue
			}
			nr := int64(idx)
			if abi == syscalls.X32 {
				nr |= x32Bit
			}
			total += calls
			ev := recorder.Event{PID: int(first), ABI: abi, Nr: nr}
			feed(agg, ev, calls, args[argsKey{uint32(i), idx}])
		}
	}
	n, err := p.collectStrays(agg)
	if err != nil {
		return 0, nil, err
	}
	total += n
	lost := map[string]uint64{}
	for i, name := range lossNames {
		var v uint64
		if err := p.objs.Losses.Lookup(uint32(i), &v); err != nil {
			return 0, nil, fmt.Errorf("read the loss counters: %w", err)
		}
		if v != 0 {
			lost[name] = v
		}
	}
	return total, lost, nil
}

// readCounts reads the whole per-CPU count array (one batch instead of a lookup per syscall
// number): the counts of key k on CPU c are at k*ncpu+c.
func (p *programs) readCounts() (counts []recorderCount, ncpu int, err error) {
	if ncpu, err = ebpf.PossibleCPU(); err != nil {
		return nil, 0, fmt.Errorf("count the possible CPUs: %w", err)
	}
	n := len(abis) * maxNr
	keys := make([]uint32, n)
	counts = make([]recorderCount, n*ncpu)
	var cursor ebpf.MapBatchCursor
	for got := 0; got < n; {
		k, err := p.objs.Counts.BatchLookup(&cursor, keys[got:], counts[got*ncpu:], nil)
		for j := got; j < got+k; j++ {
			if keys[j] != uint32(j) { // an array's batch is in key order, from 0
				return nil, 0, fmt.Errorf("read the syscall counts: key %d at position %d", keys[j], j)
			}
		}
		got += k
		if errors.Is(err, ebpf.ErrKeyNotExist) || (err == nil && k == 0) {
			if got != n {
				return nil, 0, fmt.Errorf("read the syscall counts: %d of %d entries", got, n)
			}
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read the syscall counts: %w", err)
		}
	}
	return counts, ncpu, nil
}

// sumCounts adds a syscall's per-CPU counts and returns the process that made the earliest
// counted call.
func sumCounts(per []recorderCount) (calls uint64, firstTgid uint32) {
	var firstNs uint64
	for _, c := range per {
		if c.Calls == 0 {
			continue
		}
		calls += c.Calls
		if firstNs == 0 || c.FirstNs < firstNs {
			firstNs, firstTgid = c.FirstNs, c.FirstTgid
		}
	}
	return calls, firstTgid
}

// argsKey identifies a syscall in the args map: ABI index and number (without the x32 bit).
type argsKey struct{ abi, nr uint32 }

// argSet is one distinct set of kept argument values and how many calls had it.
type argSet struct {
	arg   [3]uint64
	calls uint64
}

// readArgs reads the kept argument values, sorted, per syscall.
func (p *programs) readArgs() (map[argsKey][]argSet, error) {
	out := map[argsKey][]argSet{}
	var k recorderArgsKey
	var n uint64
	it := p.objs.Args.Iterate()
	for it.Next(&k, &n) {
		key := argsKey{k.Abi, k.Nr}
		out[key] = append(out[key], argSet{k.Arg, n})
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("read the kept arguments: %w", err)
	}
	for _, sets := range out {
		sort.Slice(sets, func(i, j int) bool {
			a, b := sets[i].arg, sets[j].arg
			for x := range a {
				if a[x] != b[x] {
					return a[x] < b[x]
				}
			}
			return false
		})
	}
	return out, nil
}

// feed hands one counted syscall to agg. Calls whose arguments were kept go with them; any
// calls beyond those (argument values lost) are added to the first set.
func feed(agg *recorder.Aggregator, ev recorder.Event, calls uint64, sets []argSet) {
	if len(sets) == 0 {
		agg.Syscalls(ev, calls)
		return
	}
	var kept uint64
	for _, s := range sets {
		kept += s.calls
	}
	for i, s := range sets {
		n := s.calls
		if i == 0 && calls > kept {
			n += calls - kept
		}
		ev.Args = [6]uint64{s.arg[0], s.arg[1], s.arg[2]}
		agg.Syscalls(ev, n)
	}
}

// collectStrays hands the syscalls counted outside the count array's range to agg.
func (p *programs) collectStrays(agg *recorder.Aggregator) (uint64, error) {
	type stray struct {
		abi   syscalls.ABI
		nr    int64
		calls uint64
	}
	var strays []stray
	var k recorderStrayKey
	var n uint64
	it := p.objs.Strays.Iterate()
	for it.Next(&k, &n) {
		if int(k.Abi) >= len(abis) {
			continue
		}
		strays = append(strays, stray{abis[k.Abi], k.Nr, n})
	}
	if err := it.Err(); err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
		return 0, fmt.Errorf("read the out-of-range syscalls: %w", err)
	}
	sort.Slice(strays, func(i, j int) bool {
		if strays[i].abi != strays[j].abi {
			return strays[i].abi < strays[j].abi
		}
		return strays[i].nr < strays[j].nr
	})
	var total uint64
	for _, s := range strays {
		agg.Syscalls(recorder.Event{ABI: s.abi, Nr: s.nr}, s.calls)
		total += s.calls
	}
	return total, nil
}

// capChecksRead, when set (by a test), is told how many capability checks the program
// unwound and how many it read from their learned stack words.
var capChecksRead func(unwound, read uint64)

// collectCaps adds the capabilities granted to the recorded processes to rec, leaving out the
// checks the kernel made only to probe (told by their caller, see probeOnly), and says in its
// warnings which were checked and denied only, or why none could be recorded. It returns how
// many checks it left out because their caller is unknown (see classifyCaps).
func (p *programs) collectCaps(rec *profile.Recording, namer addressNamer) (unknown uint64, err error) {
	if p.capErr != nil {
		rec.Source.Warnings = append(rec.Source.Warnings, WarnNoCapabilities+": "+p.capErr.Error())
		return 0, nil
	}
	var checks []capCheck
	var k recorderCapKey
	var n uint64
	it := p.objs.CapChecks.Iterate()
	for it.Next(&k, &n) {
		checks = append(checks, capCheck{cap: int(k.Cap), granted: k.Granted != 0, frames: k.Frames, n: n})
	}
	if err := it.Err(); err != nil {
		return 0, fmt.Errorf("read the capability checks: %w", err)
	}
	var fk recorderCapFastKey
	fast := p.objs.CapFast.Iterate()
	for fast.Next(&fk, &n) {
		c := capCheck{cap: int(fk.Cap), granted: fk.Granted != 0, past: true, n: n}
		copy(c.frames[:], fk.Ret[:])
		checks = append(checks, c)
	}
	if err := fast.Err(); err != nil {
		return 0, fmt.Errorf("read the capability checks: %w", err)
	}
	if len(checks) == 0 {
		return 0, nil
	}
	var addrs []uint64
	for _, c := range checks {
		addrs = append(addrs, c.frames[:]...)
	}
	syms, err := namer.resolve(addrs)
	if err != nil {
		// Without the callers, no check can be told a use: claim none.
		rec.Source.Warnings = append(rec.Source.Warnings, WarnNoCapabilities+": "+err.Error())
		return 0, nil
	}
	if capChecksRead != nil {
		var unwound, read uint64
		for _, c := range checks {
			if c.past {
				read += c.n
			} else {
				unwound += c.n
			}
		}
		capChecksRead(unwound, read)
	}
	granted, denied, unknown := classifyCaps(checks, syms)
	var deniedOnly []string
	for _, name := range granted {
		rec.AddCapability(name)
	}
	for _, name := range denied {
		if !slices.Contains(granted, name) {
			deniedOnly = append(deniedOnly, name)
		}
	}
	if len(deniedOnly) > 0 {
		rec.Source.Warnings = append(rec.Source.Warnings,
			WarnDeniedCapabilities+": "+strings.Join(deniedOnly, " "))
	}
	return unknown, nil
}
