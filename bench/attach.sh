#!/usr/bin/env bash
# Attached recording of a running server: redis-server (Debian's) under redis-benchmark, run
# natively, with `profgen record -p PID` attached and with `strace -f -p PID` attached, the
# three interleaved in rounds so that machine noise hits all alike. Reports requests per
# second (median of ROUNDS rounds) and fails unless profgen keeps more of them than strace.
#
#   bench/attach.sh
#   ROUNDS=5 REQUESTS=20000 bench/attach.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PROFGEN=${PROFGEN:-bin/profgen}
ROUNDS=${ROUNDS:-5}
REQUESTS=${REQUESTS:-20000}
PORT=${PORT:-$((20000 + $$ % 20000))}
for tool in "$PROFGEN" strace redis-server redis-cli redis-benchmark; do
	command -v "$tool" > /dev/null || { echo "bench: $tool not found (make build; make deps)"; exit 1; }
done
work=$(mktemp -d)
redis=
cleanup() {
	[ -n "$redis" ] && kill "$redis" 2> /dev/null && wait "$redis" 2> /dev/null
	rm -rf "$work"
}
trap cleanup EXIT

redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" > "$work/redis.log" 2>&1 &
redis=$!
for _ in $(seq 100); do
	[ "$(redis-cli -p "$PORT" ping 2> /dev/null)" = PONG ] && break
	sleep 0.1
done

# rps: requests per second of one redis-benchmark run (GET and SET, one client at a time).
rps() {
	redis-benchmark -p "$PORT" -n "$REQUESTS" -c 1 -t set,get --csv 2> /dev/null |
		awk -F'"' '/^"(SET|GET)"/ { s += $4; n++ } END { printf "%.0f\n", s / n }'
}

# attached TRACER...: rps while TRACER (started in the background) is attached to redis.
attached() {
	"$@" > /dev/null 2> "$work/tracer.err" &
	local tracer=$!
	for _ in $(seq 200); do
		grep -q "^TracerPid:[[:space:]]*[1-9]" "/proc/$redis/status" && break
		sleep 0.05
	done
	grep -q "^TracerPid:[[:space:]]*[1-9]" "/proc/$redis/status" || { echo "bench: $* did not attach" >&2; cat "$work/tracer.err" >&2; exit 1; }
	rps
	kill -INT "$tracer"
	wait "$tracer" || true
	while grep -q "^TracerPid:[[:space:]]*[1-9]" "/proc/$redis/status"; do sleep 0.05; done
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: > "$work/native"; : > "$work/profgen"; : > "$work/strace"
for _ in $(seq "$ROUNDS"); do
	rps >> "$work/native"
	attached "$PROFGEN" record -p "$redis" --seccomp "$work/redis.json" ${PROFGEN_FLAGS:-} >> "$work/profgen"
	attached strace -f -qq -p "$redis" -o /dev/null >> "$work/strace"
done
n=$(median < "$work/native"); p=$(median < "$work/profgen"); s=$(median < "$work/strace")
echo "attached recording of redis-server: redis-benchmark -n $REQUESTS -c 1 -t set,get, requests/s, median of $ROUNDS rounds, $(nproc) CPUs"
printf "  %-34s %10s\n" native "$n" "profgen record -p PID" "$p" "strace -f -p PID" "$s"
awk -v n="$n" -v p="$p" -v s="$s" 'BEGIN { printf "  profgen keeps %.1f%% of native, strace %.1f%%; profgen/strace %.2fx\n", 100 * p / n, 100 * s / n, p / s }'
if [ "$p" -le "$s" ]; then
	echo "  MISSED: profgen record -p is not faster than strace -f -p"
	exit 1
fi
