#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a bounded time,
# seeded from the regression corpus and from the repository's vectors and fixtures.
# Fails on any crash, leak or sanitizer report; prints executions and coverage per target.
#
# Usage: tests/fuzz/run.sh [SECONDS_PER_TARGET]   (default 20)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
fx=tests/fixtures
build=build-fuzz
CC=clang cmake -B "$build" -DSNPM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build" -j2 --target fuzz_ovmf fuzz_report fuzz_json fuzz_keys fuzz_files > /dev/null

work=$(mktemp -d /tmp/snpm-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT

seed() { # target, extra seed files...
  local t=$1; shift
  mkdir -p "$work/$t"
  cp tests/fuzz/corpus/"$t"/* "$work/$t/"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$work/$t/seed-$(basename "$(dirname "$f")")-$(basename "$f")"; done
  return 0
}
seed ovmf "$fx"/sev-snp-measure/*.bin "$fx"/sev-snp-measure/*.fd
seed report "$fx"/reports/*/report.bin "$fx"/reports/*/*.pem "$fx"/reports/*/*.der
seed json vectors/*.json
seed keys "$fx"/sev-snp-measure/*.pem
seed files

status=0
for t in ovmf report json keys files; do
  log="$work/$t.log"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$build/tests/fuzz/fuzz_$t" "$work/$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
      -timeout=10 -print_final_stats=1 -artifact_prefix="$work/crash-$t-" > "$log" 2>&1; then
    echo "fuzz_$t: FAILED"; tail -n 40 "$log"; status=1
    ls "$work"/crash-"$t"-* 2>/dev/null && echo "add the input above to tests/fuzz/corpus/$t/"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  # libFuzzer's last status line: "cov:" edges covered, "ft:" features.
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1 || echo "cov: ? ft: ?")
  echo "fuzz_$t: $runs executions in ${seconds} s, $cov"
done
exit $status
