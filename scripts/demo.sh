#!/usr/bin/env bash
# make demo: show profgen's syscall tables on the machine's own ABI and every other one.
set -euo pipefail
cd "$(dirname "$0")/.."
bin/profgen version
echo
echo "== syscall 35 on x86_64:"; bin/profgen syscalls lookup 35 --arch x86_64
echo "== openat on every ABI:";  bin/profgen syscalls lookup openat --arch all
