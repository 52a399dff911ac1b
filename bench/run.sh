#!/usr/bin/env bash
# make bench: time profgen record (the ptrace backend; bench/ebpf.sh times the eBPF one)
# against the workload run natively and under strace -f -c,
# side by side in one run (rounds interleave the three so that machine noise hits all alike),
# and check the speed targets:
#   heavy.sh (syscall-heavy)            profgen within 5x native, at least 5x faster than strace
#   parallel.sh (two CPU-bound procs)   profgen within 1.2x native
#   heavy.sh with --baseline covering it  profgen within 1.3x native
#   mixed.sh (parallel compute with frequent syscalls)  reported, no target
#   attach.sh (redis-server under redis-benchmark, attached with -p)  more requests/s than strace -f -p
# Each figure is the median of ROUNDS runs (default 5). Exit status 1 if a target is missed.
#
#   ONLY="heavy-baseline" ROUNDS=9 bench/run.sh   # these rows of the table alone (no other script)
set -euo pipefail
cd "$(dirname "$0")/.."
PROFGEN=${PROFGEN:-bin/profgen}
ROUNDS=${ROUNDS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for tool in "$PROFGEN" strace; do
	command -v "$tool" > /dev/null || { echo "bench: $tool not found (make build; make deps)"; exit 1; }
done

# seconds CMD...: wall-clock seconds of one run, output discarded.
seconds() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" > /dev/null 2>&1 || { echo "bench: $* failed" >&2; exit 1; }
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000 ))" | awk '{ printf "%.3f\n", $1 / 1e6 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# bench NAME WORKLOAD [PROFGEN-FLAGS...]: median seconds for native, strace, profgen.
bench() {
	local name=$1 workload=$2
	shift 2
	if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then
		return
	fi
	local n s p
	: > "$work/native" ; : > "$work/strace" ; : > "$work/profgen"
	for _ in $(seq "$ROUNDS"); do
		seconds "$workload" >> "$work/native"
		seconds strace -f -c -o /dev/null "$workload" >> "$work/strace"
		seconds "$PROFGEN" record --backend ptrace --seccomp "$work/$name.json" "$@" -- "$workload" >> "$work/profgen"
	done
	n=$(median < "$work/native"); s=$(median < "$work/strace"); p=$(median < "$work/profgen")
	echo "$name $n $s $p"
}

# The baseline: one recording of the heavy workload.
"$PROFGEN" record --backend ptrace --recording "$work/heavy.rec.json" -- bench/heavy.sh > /dev/null 2>&1

echo "profgen bench: median of $ROUNDS rounds, $(nproc) CPUs, $(uname -r), cpu policy ${CPU_POLICY:-adaptive}"
printf "%-18s %9s %9s %9s %12s %14s\n" workload native strace profgen "profgen/nat" "strace/profgen"
fail=0
while read -r name n s p; do
	ratio=$(awk -v p="$p" -v n="$n" 'BEGIN { printf "%.2f", p / n }')
	speedup=$(awk -v p="$p" -v s="$s" 'BEGIN { printf "%.1f", s / p }')
	printf "%-18s %8ss %8ss %8ss %11sx %13sx\n" "$name" "$n" "$s" "$p" "$ratio" "$speedup"
	case $name in
	heavy) limit=5 ;;
	parallel) limit=1.2 ;;
	heavy-baseline) limit=1.3 ;;
	*) limit=1000 ;; # reported only
	esac
	if awk -v r="$ratio" -v l="$limit" 'BEGIN { exit !(r > l) }'; then
		echo "  MISSED: $name is ${ratio}x native, target ${limit}x"
		fail=1
	fi
	if [ "$name" = heavy ] && awk -v x="$speedup" 'BEGIN { exit !(x < 5) }'; then
		echo "  MISSED: heavy is only ${speedup}x faster than strace, target 5x"
		fail=1
	fi
done < <(
	policy=(--cpu-policy "${CPU_POLICY:-adaptive}")
	bench heavy bench/heavy.sh "${policy[@]}"
	bench parallel bench/parallel.sh "${policy[@]}"
	bench heavy-baseline bench/heavy.sh "${policy[@]}" --baseline "$work/heavy.rec.json"
	bench mixed bench/mixed.sh "${policy[@]}"
)
[ -n "${ONLY:-}" ] && exit $fail
PROFGEN="$PROFGEN" bench/attach.sh || fail=1 # record -p on redis-server against strace -f -p
PROFGEN="$PROFGEN" bench/import.sh || fail=1 # profgen import against grep -c and ausearch
PROFGEN="$PROFGEN" bench/ebpf.sh || fail=1   # --backend ebpf against native, ptrace and strace
exit $fail
