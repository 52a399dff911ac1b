#!/usr/bin/env bash
# Speed of profgen import against grep and ausearch on large auditd audit.logs of two
# densities, written by bench/importgen: "sparse", one line in five a SECCOMP record (the
# rest SYSCALL/CWD/PATH/PROCTITLE events), and "dense", two lines in three. Measured side by
# side in one run, each file in the page cache for every tool. For profgen it reports wall
# time and CPU time (user+sys: what the parse costs, whatever else the machine runs). Fails
# unless profgen reads each file at MIN_MBPS MB/s or more, within MAX_RATIO times grep -c's
# time, and finds the same number of records as grep.
#
#   bench/import.sh                      # 500 MB each
#   SIZE_MB=100 bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-500}
MIN_MBPS=${MIN_MBPS:-1000}
MAX_RATIO=${MAX_RATIO:-10}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-/tmp}
PROFGEN=${PROFGEN:-bin/profgen}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

[ -x "$PROFGEN" ] || go build -o "$PROFGEN" ./cmd/profgen

# best N CMD...: the shortest wall time of N runs, in nanoseconds, and the CPU seconds
# (user+sys) of that run in $WORK/cpu; the output of the last run in $WORK/out.
best() {
	local n=$1 b=0 i=0 t c
	shift
	while [ $i -lt "$n" ]; do
		{ TIMEFORMAT='%3R %3U %3S'; time "$@" > "$WORK/out" 2> "$WORK/err"; } 2> "$WORK/time"
		t=$(awk '{ printf "%.0f", $1 * 1e9 }' "$WORK/time")
		c=$(awk '{ print $2 + $3 }' "$WORK/time")
		if [ $b -eq 0 ] || [ "$t" -lt $b ]; then
			b=$t
			echo "$c" > "$WORK/cpu"
		fi
		i=$((i + 1))
	done
	echo $b
}
mbps() { awk -v b="$bytes" -v ns="$1" 'BEGIN { printf "%.0f", b / 1e6 / (ns / 1e9) }'; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }

fail=0
# density NAME SHARE: SHARE is importgen's percent of events that are SECCOMP records.
density() {
	name=$1
	LOG=$DIR/profgen-bench-audit-$name-$SIZE_MB.log
	if [ ! -s "$LOG" ]; then
		echo "writing a $SIZE_MB MB $name audit.log to $LOG"
		go run ./bench/importgen -size "$SIZE_MB" -seccomp "$2" -o "$LOG"
	fi
	bytes=$(stat -L -c %s "$LOG")
	cat "$LOG" > /dev/null # into the page cache
	lines=$(wc -l < "$LOG")

	t_profgen=$(best "$RUNS" "$PROFGEN" import --kind seccomp --recording "$WORK/rec.json" "$LOG")
	c_profgen=$(cat "$WORK/cpu")
	n_profgen=$(sed -n 's/.* \([0-9]*\) seccomp and .*/\1/p' "$WORK/err")
	t_grep=$(best "$RUNS" grep -c type=SECCOMP "$LOG")
	n_grep=$(cat "$WORK/out")
	t_ausearch=0
	n_ausearch=-
	if command -v ausearch > /dev/null; then
		t_ausearch=$(best 1 sh -c "ausearch -if '$LOG' -m SECCOMP | grep -c type=SECCOMP")
		n_ausearch=$(cat "$WORK/out")
	fi

	echo "profgen import, $name log: $(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB, $lines lines, $n_grep SECCOMP records ($(awk -v n="$n_grep" -v l="$lines" 'BEGIN { printf "%.2f", n / l }') of the lines); $(nproc) CPUs, best of $RUNS runs, ausearch 1 run:"
	printf '  %-40s %9s s %7s MB/s  %s records\n' "profgen import --kind seccomp" "$(secs $t_profgen)" "$(mbps $t_profgen)" "$n_profgen"
	printf '  %-40s %9s s %7s MB/s per CPU second\n' "  its CPU time (user+sys)" "$c_profgen" "$(awk -v b="$bytes" -v c="$c_profgen" 'BEGIN { printf "%.0f", (c > 0 ? b / 1e6 / c : 0) }')"
	printf '  %-40s %9s s %7s MB/s  %s records\n' "grep -c type=SECCOMP" "$(secs $t_grep)" "$(mbps $t_grep)" "$n_grep"
	if [ "$t_ausearch" -gt 0 ]; then
		printf '  %-40s %9s s %7s MB/s  %s records\n' "ausearch -if FILE -m SECCOMP" "$(secs $t_ausearch)" "$(mbps $t_ausearch)" "$n_ausearch"
	fi
	ratio=$(awk -v a="$t_profgen" -v b="$t_grep" 'BEGIN { printf "%.1f", a / b }')
	echo "  profgen/grep time ratio: $ratio (limit $MAX_RATIO)"
	if [ "$n_profgen" != "$n_grep" ]; then echo "FAIL: $name: profgen found $n_profgen records, grep $n_grep"; fail=1; fi
	if [ "$(mbps $t_profgen)" -lt "$MIN_MBPS" ]; then echo "FAIL: $name: profgen import below $MIN_MBPS MB/s"; fail=1; fi
	if awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN { exit !(r > m) }'; then echo "FAIL: $name: profgen import more than ${MAX_RATIO}x grep's time"; fail=1; fi
}

density sparse 50 # one line in five
density dense 89  # two lines in three (each other event is four lines)
exit $fail
