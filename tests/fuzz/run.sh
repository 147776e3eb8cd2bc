#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each, seeded from the regression
# corpus and from the repository's vectors and fixtures. Fails on any crash, leak, timeout or
# sanitizer report; prints executions and coverage per target.
#
# Usage: tests/fuzz/run.sh                      fixed seed and run count per target (CI): the same
#                                               commit explores the same inputs on every machine,
#                                               so a run that passed here passes in CI
#        tests/fuzz/run.sh --explore SECONDS    random seeds for SECONDS per target (look for bugs)
set -euo pipefail
cd "$(dirname "$0")/../.."
explore=
seconds=30
if [ "${1:-}" = --explore ]; then
  explore=1
  seconds=${2:-60}
fi
# Executions per target for the fixed run: about 30 s each on a 2-core CI machine.
declare -A runs_of=([ovmf]=300000 [report]=3000 [json]=200000 [keys]=2000 [files]=200000 [igvm]=20000 [appraise]=60000 [dstack]=1000000 [refvals]=20000)
fx=tests/fixtures
build=build-fuzz
CC=clang cmake -B "$build" -DSNPM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build" -j2 --target fuzz_ovmf fuzz_report fuzz_json fuzz_keys fuzz_files fuzz_igvm fuzz_appraise fuzz_dstack fuzz_refvals > /dev/null

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
seed igvm
seed appraise
seed dstack
seed refvals

status=0
for t in ovmf report json keys files igvm appraise dstack refvals; do
  log="$work/$t.log"
  if [ -n "$explore" ]; then
    bound=(-max_total_time="$seconds")
  else
    # The time limit only guards a much slower machine: it cuts the same sequence short.
    bound=(-seed=1 -runs="${runs_of[$t]}" -max_total_time=300)
  fi
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$build/tests/fuzz/fuzz_$t" "$work/$t" "${bound[@]}" -rss_limit_mb=2048 \
      -timeout=10 -print_final_stats=1 -artifact_prefix="$work/crash-$t-" > "$log" 2>&1; then
    echo "fuzz_$t: FAILED"; tail -n 40 "$log"; status=1
    ls "$work"/crash-"$t"-* 2>/dev/null && echo "add the input above to tests/fuzz/corpus/$t/"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  # libFuzzer's last status line: "cov:" edges covered, "ft:" features.
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1 || echo "cov: ? ft: ?")
  echo "fuzz_$t: $runs executions, $cov"
done
exit $status
