#!/usr/bin/env bash
# Progress shows on a terminal only: a pseudo-terminal (script(1)) sees it on stderr for a
# verity tree and a large kernel read; --json, --quiet and a stderr that is not a terminal do not.
# Usage: tests/progress.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
command -v script > /dev/null || { echo "script(1) is missing (Debian: bsdutils)"; exit 1; }
work=$(mktemp -d /tmp/snpm-progress-XXXXXX)
trap 'rm -rf "$work"' EXIT
head -c $((160 << 20)) /dev/zero > "$work/data.img"
fw=$src/tests/fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin

on_tty() { script -qec "$1" /dev/null; }
out=$(on_tty "$build/snpimage verity format $work/data.img $work/h1 --seed s")
grep -q "hashing the verity tree: " <<< "$out" || { echo "no progress on a terminal: $out"; exit 1; }
out=$(on_tty "$build/snpmeasure --ovmf $fw --kernel $work/data.img")
grep -q "reading data.img: " <<< "$out" || { echo "no progress reading a kernel: $out"; exit 1; }
for quiet in "--json" "--quiet"; do
  out=$(on_tty "$build/snpimage verity format $work/data.img $work/h2 --seed s $quiet")
  ! grep -q "hashing the verity tree" <<< "$out" || { echo "progress with $quiet"; exit 1; }
done
err=$("$build/snpimage" verity format "$work/data.img" "$work/h3" --seed s 2>&1 > /dev/null)
[ -z "$err" ] || { echo "progress without a terminal: $err"; exit 1; }
echo "progress: shown on a terminal, not with --json, --quiet or without one"
