#!/usr/bin/env bash
# Benchmark (not a test): 10,000 distinct reports signed by one VCEK (a test PKI shaped like
# AMD's), appraised in one process with one appraiser (the chain verified once and cached, each
# report's signature and rules every time), against the ECDSA P-384 verify rate of
# `openssl speed ecdsap384` on this machine. Target: >= 0.8x. Peak RSS after 1,000 and after
# 10,000 appraisals: memory flat (the reports themselves, 11.6 MiB, are held from the start).
#
# Usage: tests/bench/appraise.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
bench=$build/tests/appraise_bench
n=${N:-10000}
[ -x "$bench" ] || { echo "build first: $bench" >&2; exit 1; }

verify=$(openssl speed -seconds 5 ecdsap384 2>/dev/null | awk '/nistp384/ { print $NF }')
read -r _ count _ passed _ secs _ rate _ rss_tenth _ rss_end < <("$bench" "$n")
printf 'openssl speed ecdsap384: %s verifies/s\n' "$verify"
printf 'snpmeasure appraise: %s reports (%s signatures verified) in %s s: %s appraisals/s, ratio %.2f (target >= 0.8)\n' \
  "$count" "$passed" "$secs" "$rate" "$(echo "$rate / $verify" | bc -l)"
printf 'peak RSS: %s KiB after %s appraisals, %s KiB after %s\n' "$rss_tenth" "$((n / 10))" "$rss_end" "$n"
