package auditlog

import "sort"

// serialSet keeps the audit serial numbers seen as sorted, merged ranges, to find the
// numbers that are missing. Records arrive almost in order, so the set stays small unless
// records were lost.
type serialSet struct {
	ranges []serialRange
	cur    serialRange
	have   bool
}

type serialRange struct{ lo, hi uint64 }

// maxRanges bounds the memory a badly gapped input can take; past it, ranges are merged
// (and the count of missing serials becomes a lower bound).
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
	s.ranges = append(s.ranges, r)
	if len(s.ranges) >= maxRanges {
		s.normalize()
	}
}

func (s *serialSet) merge(o *serialSet) {
	s.ranges = append(s.ranges, o.ranges...)
	if o.have {
		s.ranges = append(s.ranges, o.cur)
	}
	s.normalize()
}

// normalize sorts and unions the ranges (folding in cur).
func (s *serialSet) normalize() {
	if s.have {
		s.ranges = append(s.ranges, s.cur)
		s.have = false
	}
	sort.Slice(s.ranges, func(i, j int) bool { return s.ranges[i].lo < s.ranges[j].lo })
	out := s.ranges[:0]
	for _, r := range s.ranges {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			if r.hi > out[n-1].hi {
				out[n-1].hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	s.ranges = out
}

// maxGap is the largest jump between serial numbers counted as lost records; a larger one
// is taken for a reboot or a log covering several machines.
const maxGap = 100000

// missing returns how many serial numbers are missing between the ranges, and in how many gaps.
func (s *serialSet) missing() (n, gaps uint64) {
	s.normalize()
	for i := 1; i < len(s.ranges); i++ {
		d := s.ranges[i].lo - s.ranges[i-1].hi - 1
		if d > 0 && d <= maxGap {
			n += d
			gaps++
		}
	}
	return n, gaps
}
