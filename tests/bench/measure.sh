#!/usr/bin/env bash
# Benchmark (not a test): snpmeasure on 4 MiB firmware + 16 MiB kernel + 256 MiB initrd,
# against the floor `openssl dgst -sha256` of the same kernel and initrd, plus peak RSS,
# and peak RSS again with a 1 GiB initrd.
#
# Usage: tests/bench/measure.sh [BUILD_DIR]   (default: build)
# Needs: GNU time (package time), openssl, tests/fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
cli=$build/snpmeasure
suffix=tests/fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin
runs=${RUNS:-7}
work=$(mktemp -d /tmp/snpm-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

[ -x "$cli" ] || { echo "build first: $cli is missing" >&2; exit 1; }
[ -r "$suffix" ] || { echo "missing fixture $suffix" >&2; exit 1; }

# A 4 MiB AmdSev-shaped image: random pages, then the real footer/metadata page.
head -c $((4 * 1024 * 1024 - 4096)) /dev/urandom > "$work/fw.fd"
cat "$suffix" >> "$work/fw.fd"
head -c $((16 * 1024 * 1024)) /dev/urandom > "$work/kernel"
head -c $((256 * 1024 * 1024)) /dev/urandom > "$work/initrd"

measure() {
  "$cli" --mode snp --vcpus 4 --vcpu-type EPYC-Genoa --ovmf "$work/fw.fd" \
    --kernel "$work/kernel" --initrd "$work/$1" --append "console=ttyS0 root=/dev/vda"
}
export -f measure
export cli work

# Best of N wall-clock seconds for a command.
best_of() {
  local best=999999 t0 t1 t
  for _ in $(seq "$runs"); do
    t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    best=$(echo "if ($t < $best) $t else $best" | bc -l)
  done
  printf '%.4f' "$best"
}

# Peak RSS of snpmeasure itself (the shell wrapper is exec'd away).
peak_rss_kib() {
  /usr/bin/time -f '%M' bash -c "exec \"\$cli\" --mode snp --vcpus 4 --vcpu-type EPYC-Genoa \
    --ovmf \"\$work/fw.fd\" --kernel \"\$work/kernel\" --initrd \"\$work/$1\" \
    --append 'console=ttyS0 root=/dev/vda'" 2>&1 >/dev/null | tail -n 1
}

cat "$work/kernel" "$work/initrd" "$work/fw.fd" > /dev/null # warm the page cache
floor=$(best_of openssl dgst -sha256 "$work/kernel" "$work/initrd")
ours=$(best_of measure initrd)
ratio=$(echo "$ours / $floor" | bc -l)
rss=$(peak_rss_kib initrd)

head -c $((1024 * 1024 * 1024)) /dev/urandom > "$work/initrd-1g"
rss_1g=$(peak_rss_kib initrd-1g)

echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
echo "openssl dgst -sha256 kernel(16 MiB) initrd(256 MiB): ${floor} s (best of $runs)"
echo "snpmeasure snp, 4 MiB firmware, same kernel+initrd:   ${ours} s (best of $runs)"
printf 'ratio to floor: %.3f (target <= 1.15)\n' "$ratio"
echo "peak RSS, 256 MiB initrd: ${rss} KiB; 1 GiB initrd: ${rss_1g} KiB (target <= 16384, flat)"
