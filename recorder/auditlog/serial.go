package auditlog

import "sort"

// serialSet keeps the audit serial numbers of one input, in input order, as ranges of
// consecutive numbers, to find the numbers that are missing. Records arrive almost in order,
// so the list stays short unless records were lost.
type serialSet struct {
	ranges   []serialRange
	cur      serialRange
	have     bool
	overflow bool // too many ranges were kept: later serials were not tracked
}

type serialRange struct{ lo, hi uint64 }

// maxRanges bounds the memory a badly gapped input can take.
const maxRanges = 1 << 20

func (s *serialSet) add(n uint64) {
	if s.have && n >= s.cur.lo && n <= s.cur.hi+1 {
		if n > s.cur.hi {
			s.cur.hi = n
		}
		return
	}
	if s.have {
		s.push(s.cur)
	}
	s.cur, s.have = serialRange{n, n}, true
}

func (s *serialSet) push(r serialRange) {
	if len(s.ranges) >= maxRanges {
		s.overflow = true
		return
	}
	s.ranges = append(s.ranges, r)
}

// appendSet adds the ranges of o, which came after s's in the input.
func (s *serialSet) appendSet(o *serialSet) {
	for _, r := range o.ranges {
		s.addRange(r)
	}
	if o.have {
		s.addRange(o.cur)
	}
	s.overflow = s.overflow || o.overflow
}

func (s *serialSet) addRange(r serialRange) {
	if s.have && r.lo >= s.cur.lo && r.lo <= s.cur.hi+1 {
		s.cur.hi = max(s.cur.hi, r.hi)
		return
	}
	if s.have {
		s.push(s.cur)
	}
	s.cur, s.have = r, true
}

const (
	// reorderWindow is how far back a serial may go and still belong to the same run of
	// records (events from several CPUs interleave); further back starts a new segment (a
	// reboot, or another machine's log).
	reorderWindow = 10000
	// maxGap is the largest jump forward counted as lost records; a larger one starts a new
	// segment too.
	maxGap = 100000
)

// missing returns how many serial numbers are missing, and in how many gaps, within each
// segment of the input.
func (s *serialSet) missing() (n, gaps uint64) {
	all := append([]serialRange(nil), s.ranges...)
	if s.have {
		all = append(all, s.cur)
	}
	var seg []serialRange
	var segMax uint64
	flush := func() {
		sort.Slice(seg, func(i, j int) bool { return seg[i].lo < seg[j].lo })
		var hi uint64
		for i, r := range seg {
			if i > 0 && r.lo > hi+1 {
				n += r.lo - hi - 1
				gaps++
			}
			if i == 0 || r.hi > hi {
				hi = r.hi
			}
		}
		seg = seg[:0]
	}
	for _, r := range all {
		if len(seg) > 0 && (r.lo+reorderWindow < segMax || r.lo > segMax+maxGap) {
			flush()
		}
		if len(seg) == 0 || r.hi > segMax {
			segMax = r.hi
		}
		seg = append(seg, r)
	}
	flush()
	return n, gaps
}
