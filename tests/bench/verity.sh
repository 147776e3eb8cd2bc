#!/usr/bin/env bash
# Benchmark (not a test): `snpimage verity format` of a 1 GiB image against `veritysetup format`
# with the same salt and UUID, one thread and two; checks the outputs are identical.
#
# Usage: tests/bench/verity.sh [BUILD_DIR]   (default: build). Needs cryptsetup-bin and time.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
work=$(mktemp -d /tmp/snpm-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
salt=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
uuid=12345678-1234-4234-9234-123456789abc
head -c $((1024 * 1024 * 1024)) /dev/urandom > "$work/data.img"
cat "$work/data.img" > /dev/null

best() { # best of 3 wall-clock seconds
  local b=999 t
  for _ in 1 2 3; do
    t=$( { /usr/bin/time -f %e "$@" > /dev/null; } 2>&1 | tail -n 1)
    b=$(echo "if ($t < $b) $t else $b" | bc -l)
  done
  printf '%.2f' "$b"
}
ref=$(best veritysetup format "$work/data.img" "$work/ref.hash" --salt "$salt" --uuid "$uuid")
one=$(best "$build/snpimage" verity format "$work/data.img" "$work/one.hash" --salt "$salt" --uuid "$uuid" --threads 1)
two=$(best "$build/snpimage" verity format "$work/data.img" "$work/two.hash" --salt "$salt" --uuid "$uuid" --threads 2)
cmp "$work/ref.hash" "$work/one.hash" && cmp "$work/ref.hash" "$work/two.hash"
echo "verity format, 1 GiB, sha256, 4096/4096 (best of 3):"
echo "  veritysetup 2.6:        ${ref} s"
echo "  snpimage, 1 thread:     ${one} s"
echo "  snpimage, 2 threads:    ${two} s"
echo "  hash files identical"
