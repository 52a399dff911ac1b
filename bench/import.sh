#!/bin/sh
# Speed of profgen import against grep and ausearch on one large, mixed auditd audit.log
# (SYSCALL/CWD/PATH/PROCTITLE events and SECCOMP records, written by bench/importgen), measured
# side by side in one run, the file in the page cache for every tool. Fails unless profgen
# reads at least MIN_MBPS MB/s, within MAX_RATIO times grep -c's time, and finds the same
# number of records as grep.
#
#   bench/import.sh                      # 500 MB
#   SIZE_MB=100 bench/import.sh
set -eu
cd "$(dirname "$0")/.."
SIZE_MB=${SIZE_MB:-500}
MIN_MBPS=${MIN_MBPS:-500}
MAX_RATIO=${MAX_RATIO:-10}
RUNS=${RUNS:-3}
DIR=${BENCH_DIR:-/tmp}
LOG=$DIR/profgen-bench-audit-$SIZE_MB.log
PROFGEN=${PROFGEN:-bin/profgen}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

[ -x "$PROFGEN" ] || go build -o "$PROFGEN" ./cmd/profgen
if [ ! -s "$LOG" ]; then
	echo "writing a $SIZE_MB MB audit.log to $LOG"
	go run ./bench/importgen -size "$SIZE_MB" -o "$LOG"
fi
bytes=$(stat -L -c %s "$LOG")
cat "$LOG" > /dev/null # into the page cache

now() { date +%s%N; }
# best N CMD...: the shortest wall time of N runs, in nanoseconds; the output of the last in $WORK/out
best() {
	n=$1
	shift
	b=0
	i=0
	while [ $i -lt "$n" ]; do
		t0=$(now)
		"$@" > "$WORK/out" 2> "$WORK/err"
		t=$(( $(now) - t0 ))
		if [ $b -eq 0 ] || [ $t -lt $b ]; then b=$t; fi
		i=$((i + 1))
	done
	echo $b
}
mbps() { awk -v b="$bytes" -v ns="$1" 'BEGIN { printf "%.0f", b / 1e6 / (ns / 1e9) }'; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }

t_profgen=$(best "$RUNS" "$PROFGEN" import --kind seccomp --recording "$WORK/rec.json" "$LOG")
n_profgen=$(sed -n 's/.* \([0-9]*\) seccomp and .*/\1/p' "$WORK/err")
t_grep=$(best "$RUNS" grep -c type=SECCOMP "$LOG")
n_grep=$(cat "$WORK/out")
t_ausearch=0
n_ausearch=-
if command -v ausearch > /dev/null; then
	t_ausearch=$(best 1 sh -c "ausearch -if '$LOG' -m SECCOMP | grep -c type=SECCOMP")
	n_ausearch=$(cat "$WORK/out")
fi

echo "profgen import on $(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1e6 }') MB ($(nproc) CPUs, best of $RUNS runs; ausearch 1 run):"
printf '  %-40s %9s s %7s MB/s  %s records\n' "profgen import --kind seccomp" "$(secs $t_profgen)" "$(mbps $t_profgen)" "$n_profgen"
printf '  %-40s %9s s %7s MB/s  %s records\n' "grep -c type=SECCOMP" "$(secs $t_grep)" "$(mbps $t_grep)" "$n_grep"
if [ "$t_ausearch" -gt 0 ]; then
	printf '  %-40s %9s s %7s MB/s  %s records\n' "ausearch -if FILE -m SECCOMP" "$(secs $t_ausearch)" "$(mbps $t_ausearch)" "$n_ausearch"
fi
ratio=$(awk -v a="$t_profgen" -v b="$t_grep" 'BEGIN { printf "%.1f", a / b }')
echo "  profgen/grep time ratio: $ratio (limit $MAX_RATIO)"
fail=0
if [ "$n_profgen" != "$n_grep" ]; then echo "FAIL: profgen found $n_profgen records, grep $n_grep"; fail=1; fi
if [ "$(mbps $t_profgen)" -lt "$MIN_MBPS" ]; then echo "FAIL: profgen import below $MIN_MBPS MB/s"; fail=1; fi
if awk -v r="$ratio" -v m="$MAX_RATIO" 'BEGIN { exit !(r > m) }'; then echo "FAIL: profgen import more than ${MAX_RATIO}x grep's time"; fail=1; fi
exit $fail
