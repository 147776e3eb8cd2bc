#!/usr/bin/env bash
# Benchmark (not a test): an IGVM file with 4 MiB of page data (1024 PAGE_DATA directives) and
# 64 vCPUs, measured under every loader the tool lists (the vCPUs without a VP context start
# at a reset state; --ignore-id-block, as the file has none, which MSHV requires), against
# `openssl dgst -sha384` over the same file (the floor: every data byte hashed once). Target:
# within 1.15x. Then peak RSS for that file and for one with 256 MiB of page data, per loader:
# memory stays flat (pages are read as they are measured).
#
# Usage: tests/bench/igvm.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
cli=$build/snpmeasure
gen=$build/tests/igvm_gen
runs=${RUNS:-7}
work=$(mktemp -d /tmp/snpm-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -x "$cli" ] && [ -x "$gen" ] || { echo "build first: $cli, $gen" >&2; exit 1; }

"$gen" "$work/4m.igvm" 1024
"$gen" "$work/256m.igvm" 65536

best_of() {
  local best=999999 t0 t1 t
  for _ in $(seq "$runs"); do
    t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    best=$(echo "if ($t < $best) $t else $best" | bc -l)
  done
  printf '%.4f' "$best"
}

loader=qemu
measure() { "$cli" -q --mode snp --vcpus 64 --vcpu-type EPYC-Genoa --igvm-loader "$loader" \
  --ignore-id-block --igvm "$1"; }
rss() { /usr/bin/time -f '%M' "$cli" -q --mode snp --vcpus 64 --vcpu-type EPYC-Genoa \
  --igvm-loader "$loader" --ignore-id-block --igvm "$1" 2>&1 >/dev/null | tail -n 1; }

floor=$(best_of openssl dgst -sha384 "$work/4m.igvm")
# Every loader the tool has, as its --help lists them (the library's name table).
loaders=$("$cli" --help | sed -n 's/.*--igvm-loader KIND *\([^(]*\) (default.*/\1/p' | tr -d ',')
[ -n "$loaders" ] || { echo "no --igvm-loader values in $cli --help" >&2; exit 1; }
for loader in $loaders; do
  ours=$(best_of measure "$work/4m.igvm")
  printf 'igvm 4 MiB, 64 vCPUs, %-11s snpmeasure %s s, openssl dgst -sha384 %s s, ratio %.2f (target <= 1.15); peak RSS %s KiB (4 MiB of pages), %s KiB (256 MiB)\n' \
    "$loader:" "$ours" "$floor" "$(echo "$ours / $floor" | bc -l)" "$(rss "$work/4m.igvm")" \
    "$(rss "$work/256m.igvm")"
done
