#!/usr/bin/env bash
# make bench: the eBPF recorder side by side with the workload run natively, with the ptrace
# recorder and with strace -f -c, in one run (rounds interleave the four, so machine noise
# hits all alike), and its start-up on its own. Targets:
#   heavy5.sh (heavy.sh five times over)  profgen --backend ebpf within 1.05x native
#   parallel.sh (two CPU-bound procs)     profgen --backend ebpf within 1.05x native
#   heavy5.sh with --recording, and with --apparmor (the files of every file syscall through the
#   ring buffer)  within 1.3x
#   start-up (record -- /bin/true, less the native run)  under 0.3 s
# Wall seconds are the median of ROUNDS runs (default 5); cpu is the workload's user+system
# seconds (for profgen, its children's, profgen's own included), a figure less disturbed by
# other load on the machine; "(rounds)" is the lowest and highest ebpf/native wall ratio of a
# single round. Exit status 1 if a target is missed (on the medians).
#
#   bench/ebpf.sh
#   ROUNDS=3 bench/ebpf.sh
#   ONLY="heavy5-paths heavy5-apparmor" bench/ebpf.sh    # these rows alone (and no start-up)
#   ALSO= ROUNDS=15 ONLY="heavy5 parallel" bench/ebpf.sh  # native and ebpf alone: more rounds
#                                                          # in the same time (ALSO: ptrace strace)
set -euo pipefail
cd "$(dirname "$0")/.."
PROFGEN=${PROFGEN:-bin/profgen}
ROUNDS=${ROUNDS:-5}
ALSO=${ALSO-ptrace strace}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tool in "$PROFGEN" strace; do
	command -v "$tool" > /dev/null || { echo "bench: $tool not found (make build; make deps)"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench/ebpf.sh: needs root to load the eBPF programs"; exit 1; }

# run KIND CMD...: "wall cpu" seconds of one run (cpu: user+sys of all the run's processes).
run() {
	local kind=$1
	shift
	/usr/bin/env time -f "%e %U %S" -o "$work/time" "$@" > /dev/null 2> "$work/err" || { echo "bench: $kind: $* failed" >&2; cat "$work/err" >&2; exit 1; }
	awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$work/time"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# bench NAME WORKLOAD [PROFGEN-FLAGS...]: median wall and cpu seconds for native, ebpf, ptrace,
# strace.
bench() {
	local name=$1 workload=$2 k
	shift 2
	if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then
		return
	fi
	for k in native ebpf ptrace strace; do : > "$work/$k"; done
	for _ in $(seq "$ROUNDS"); do
		run native "$workload" >> "$work/native"
		run ebpf "$PROFGEN" record --backend ebpf --seccomp "$work/e.json" "$@" -- "$workload" >> "$work/ebpf"
		if [[ " $ALSO " == *" ptrace "* ]]; then
			run ptrace "$PROFGEN" record --backend ptrace --seccomp "$work/p.json" "$@" -- "$workload" >> "$work/ptrace"
		fi
		if [[ " $ALSO " == *" strace "* ]]; then
			run strace strace -f -c -o /dev/null "$workload" >> "$work/strace"
		fi
	done
	printf "%s" "$name"
	for k in native ebpf ptrace strace; do
		if [ -s "$work/$k" ]; then
			printf " %s %s" "$(cut -d' ' -f1 < "$work/$k" | median)" "$(cut -d' ' -f2 < "$work/$k" | median)"
		else
			printf " - -" # not asked for (ALSO)
		fi
	done
	# The spread: ebpf/native wall of each round (the two ran one after the other).
	paste -d' ' "$work/ebpf" "$work/native" | awk '{ r = $1 / $3; if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r }
		END { printf " %.3f %.3f\n", lo, hi }'
}

# Other programs on the sys_enter tracepoint (other recorders, tracers) slow every syscall,
# native ones too: say how many there are, where bpftool can tell.
others() {
	if command -v bpftool > /dev/null; then
		bpftool prog show 2> /dev/null | grep -c ' name sys_enter ' || true
	else
		echo "?"
	fi
}

echo "profgen eBPF bench: median of $ROUNDS rounds, $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), other sys_enter programs attached: $(others)"
printf "%-12s %15s %15s %15s %15s %9s %13s %9s %9s\n" workload "native wall/cpu" "ebpf wall/cpu" "ptrace wall/cpu" "strace wall/cpu" "ebpf/nat" "(rounds)" "ptrace/nat" "strace/nat"
fail=0
while read -r name nw nc ew ec pw pc sw sc lo hi; do
	er=$(awk -v a="$ew" -v b="$nw" 'BEGIN { printf "%.3f", a / b }')
	pr=$(awk -v a="$pw" -v b="$nw" 'BEGIN { if (a == "-") print "-"; else printf "%.2f", a / b }')
	sr=$(awk -v a="$sw" -v b="$nw" 'BEGIN { if (a == "-") print "-"; else printf "%.2f", a / b }')
	printf "%-12s %7ss/%6ss %7ss/%6ss %7ss/%6ss %7ss/%6ss %8sx %13s %8sx %8sx\n" "$name" "$nw" "$nc" "$ew" "$ec" "$pw" "$pc" "$sw" "$sc" "$er" "$lo-${hi}x" "$pr" "$sr"
	limit=1.05
	case $name in heavy5-paths | heavy5-apparmor) limit=1.3 ;; esac
	if awk -v r="$er" -v l="$limit" 'BEGIN { exit !(r > l) }'; then
		echo "  MISSED: $name with --backend ebpf is ${er}x native (wall), target ${limit}x"
		fail=1
	fi
done < <(
	bench heavy5 bench/heavy5.sh
	bench parallel bench/parallel.sh
	bench heavy5-paths bench/heavy5.sh --recording "$work/r.json"
	bench heavy5-apparmor bench/heavy5.sh --apparmor "$work/p.aa"
)
[ -n "${ONLY:-}" ] && exit $fail

# Start-up: record a program that does almost nothing; the time beyond its native run is
# profgen's (load and attach the programs, start, read the maps, write the profile).
: > "$work/st"
: > "$work/tn"
for _ in $(seq $((ROUNDS * 2))); do
	run native /bin/true | cut -d' ' -f1 >> "$work/tn"
	run ebpf "$PROFGEN" record --backend ebpf --seccomp "$work/t.json" -- /bin/true | cut -d' ' -f1 >> "$work/st"
done
"$PROFGEN" record --backend ebpf --summary --seccomp "$work/t.json" -- /bin/true 2> "$work/sum" > /dev/null
load=$(grep -o 'loaded in [0-9]* ms' "$work/sum" || echo "loaded in ? ms")
tn=$(median < "$work/tn")
st=$(median < "$work/st")
startup=$(awk -v a="$st" -v b="$tn" 'BEGIN { printf "%.3f", a - b }')
echo "start-up   record --backend ebpf -- /bin/true: ${st}s wall (native ${tn}s): ${startup}s of profgen, programs ${load}"
if awk -v s="$startup" 'BEGIN { exit !(s >= 0.3) }'; then
	echo "  MISSED: start-up ${startup}s, target under 0.3s"
	fail=1
fi
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg), other sys_enter programs attached: $(others)"
exit $fail
