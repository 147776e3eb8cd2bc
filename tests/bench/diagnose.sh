#!/usr/bin/env bash
# Benchmark (not a test): `snpmeasure diagnose` searching a measurement no configuration gives
# (the worst case: every single change and every pair, or with --depth 3 every triple) on a
# 4 MiB firmware with a 16 MiB kernel and an initrd; then an SVSM launch (3.5 MiB firmware and
# the SVSM image, whose pages every variable-store size moves). Prints configurations per second
# and peak RSS. Target: the default depth under 2 s, memory flat.
#
# Usage: tests/bench/diagnose.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
cli=$build/snpmeasure
fx=tests/fixtures/sev-snp-measure
work=$(mktemp -d /tmp/snpm-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -x "$cli" ] && [ -r "$fx/ovmf_AmdSev_suffix.bin" ] || { echo "needs $cli and $fx" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian: time)" >&2; exit 1; }

head -c $((4 * 1024 * 1024 - 4096)) /dev/urandom > "$work/fw.fd"
cat "$fx/ovmf_AmdSev_suffix.bin" >> "$work/fw.fd"
head -c $((16 * 1024 * 1024)) /dev/urandom > "$work/kernel"
head -c $((4 * 1024 * 1024)) /dev/urandom > "$work/initrd"
nothing=$(printf '%096d' 0)

# One run: seconds, configurations tried, peak RSS in KiB.
run() {
  local name=$1
  shift
  local t0 t1 tried rss
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$cli" diagnose --json --measurement "$nothing" "$@" \
    > "$work/out.json" || [ $? -eq 3 ]
  t1=$(date +%s.%N)
  tried=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tried"])' "$work/out.json")
  rss=$(tail -1 "$work/rss")
  printf '%-34s %8d configurations in %6.3f s: %9.0f per second, peak RSS %6d KiB\n' \
    "$name" "$tried" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$tried / ($t1 - $t0)" | bc -l)" "$rss"
}

ovmf=(--mode snp --vcpus 4 --vcpu-type EPYC-v4 --ovmf "$work/fw.fd" --kernel "$work/kernel"
  --initrd "$work/initrd" --append "console=ttyS0 root=/dev/vda")
run "4 MiB OVMF, kernel, depth 2" "${ovmf[@]}"
run "4 MiB OVMF, kernel, depth 3" "${ovmf[@]}" --depth 3
run "OVMF + SVSM, depth 2" --mode snp:svsm --vcpus 4 --vcpu-type EPYC-v4 \
  --ovmf "$fx/svsm_ovmf.fd" --svsm "$fx/svsm.bin" --vars-size 540672
# Memory stays flat: a 64 MiB kernel hashes as it streams.
head -c $((64 * 1024 * 1024)) /dev/urandom > "$work/kernel"
run "4 MiB OVMF, 64 MiB kernel, depth 2" "${ovmf[@]}"
