#!/usr/bin/env bash
# Attached recording of a running server: redis-server (Debian's) under redis-benchmark, run
# natively, with `profgen record -p PID --backend ptrace` attached, with `profgen record -p
# PID` (the default backend: eBPF where it loads) and with `strace -f -p PID` attached, the
# four interleaved in rounds so that machine noise hits all alike. Reports requests per
# second (median of ROUNDS rounds) and fails unless the ptrace backend keeps more of them
# than strace.
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

# traced: redis is traced (ptrace), or an eBPF recording says its programs are loaded.
traced() {
	grep -q "^TracerPid:[[:space:]]*[1-9]" "/proc/$redis/status" || grep -q "recording with eBPF" "$work/tracer.err"
}

# attached TRACER...: rps while TRACER (started in the background) records redis.
attached() {
	: > "$work/tracer.err"
	"$@" > /dev/null 2> "$work/tracer.err" &
	local tracer=$!
	for _ in $(seq 200); do
		traced && break
		sleep 0.05
	done
	traced || { echo "bench: $* did not attach" >&2; cat "$work/tracer.err" >&2; exit 1; }
	rps
	kill -INT "$tracer"
	wait "$tracer" || true
	case " $* " in *" record "*" --backend "*) ;; *" record "*) cp "$work/tracer.err" "$work/tracer.auto.err" ;; esac
	while grep -q "^TracerPid:[[:space:]]*[1-9]" "/proc/$redis/status"; do sleep 0.05; done
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: > "$work/native"; : > "$work/ptrace"; : > "$work/auto"; : > "$work/strace"
for _ in $(seq "$ROUNDS"); do
	rps >> "$work/native"
	attached "$PROFGEN" record -p "$redis" --backend ptrace --seccomp "$work/redis.json" ${PROFGEN_FLAGS:-} >> "$work/ptrace"
	attached "$PROFGEN" record -p "$redis" --seccomp "$work/redis.json" >> "$work/auto"
	attached strace -f -qq -p "$redis" -o /dev/null >> "$work/strace"
done
n=$(median < "$work/native"); p=$(median < "$work/ptrace"); a=$(median < "$work/auto"); s=$(median < "$work/strace")
backend=$(sed -n 's/^profgen: recording with \([a-zA-Z]*\).*/\1/p' "$work/tracer.auto.err" | head -1)
echo "attached recording of redis-server: redis-benchmark -n $REQUESTS -c 1 -t set,get, requests/s, median of $ROUNDS rounds, $(nproc) CPUs"
printf "  %-44s %8s  %5.1f%%\n" native "$n" 100 \
	"profgen record -p PID --backend ptrace" "$p" "$(awk -v x="$p" -v n="$n" 'BEGIN { print 100 * x / n }')" \
	"profgen record -p PID (auto: ${backend:-?})" "$a" "$(awk -v x="$a" -v n="$n" 'BEGIN { print 100 * x / n }')" \
	"strace -f -p PID" "$s" "$(awk -v x="$s" -v n="$n" 'BEGIN { print 100 * x / n }')"
awk -v p="$p" -v s="$s" 'BEGIN { printf "  ptrace backend / strace: %.2fx\n", p / s }'
if [ "$p" -le "$s" ]; then
	echo "  MISSED: profgen record -p --backend ptrace is not faster than strace -f -p"
	exit 1
fi
