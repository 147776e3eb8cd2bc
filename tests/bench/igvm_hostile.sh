#!/usr/bin/env bash
# Benchmark (not a test): IGVM files made to cost, each the size of a small download, parsed,
# shown and measured. Every path is meant to be linear (or n log n) in the file: 100,000
# parameter areas, 1,000,000 headers shown as text and JSON and measured (4 GiB of zero pages,
# the cap), and 16 parameter areas of 4 GiB in a 5 KB file (refused by the page cap at once).
#
# Usage: tests/bench/igvm_hostile.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
cli=$build/snpmeasure
gen=$build/tests/igvm_gen
work=$(mktemp -d /tmp/snpm-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -x "$cli" ] && [ -x "$gen" ] || { echo "build first: $cli, $gen" >&2; exit 1; }

"$gen" "$work/areas.igvm" areas 100000
"$gen" "$work/headers.igvm" headers 1000000
"$gen" "$work/huge.igvm" huge 16

seconds() { # command...: wall seconds, whatever its exit status
  local t0 t1
  t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
  printf '%.2f' "$(echo "$t1 - $t0" | bc -l)"
}
size() { stat -c %s "$1"; }

printf '%-44s %10s %8s\n' "case" "file bytes" "seconds"
row() { printf '%-44s %10s %8s\n' "$1" "$(size "$2")" "$(seconds "${@:3}")"; }
row "100k parameter areas: igvm (text)" "$work/areas.igvm" "$cli" igvm "$work/areas.igvm"
row "100k parameter areas: measure" "$work/areas.igvm" "$cli" -q --igvm "$work/areas.igvm"
row "1M headers: igvm (text)" "$work/headers.igvm" "$cli" igvm "$work/headers.igvm"
row "1M headers: igvm --json" "$work/headers.igvm" "$cli" igvm --json "$work/headers.igvm"
row "1M headers: measure (4 GiB of zero pages)" "$work/headers.igvm" "$cli" -q --igvm "$work/headers.igvm"
row "1M headers: sweep 1-8 vCPUs" "$work/headers.igvm" "$cli" sweep -q --igvm "$work/headers.igvm" --vcpus 1-8
row "16 areas of 4 GiB: measure (refused)" "$work/huge.igvm" "$cli" -q --igvm "$work/huge.igvm"
