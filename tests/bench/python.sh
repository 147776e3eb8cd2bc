#!/usr/bin/env bash
# Benchmark (not a test): the sev-snp-measure library call the Python world makes, through
# snpmeasure's compatibility layer (snpmeasure.sevsnpmeasure, over libsnpmeasure) and through the
# reference's own Python, on the same inputs: a 4 MiB firmware (an AmdSev image's metadata at its
# end), a 64 MiB kernel and a 512 MiB initrd, then 512 vCPUs without a kernel. Prints each one's
# wall time and peak RSS, the ratio, and checks both give the same digest.
#
# Usage: tests/bench/python.sh SEV_SNP_MEASURE_DIR [BUILD_DIR]
#   SEV_SNP_MEASURE_DIR: a checkout of virtee/sev-snp-measure (its sevsnpmeasure/ package; not
#   vendored here). BUILD_DIR (default build) holds libsnpmeasure.so.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
ref=${1:?usage: tests/bench/python.sh SEV_SNP_MEASURE_DIR [BUILD_DIR]}
build=${2:-build}
lib=$(cd "$build" && pwd)/libsnpmeasure.so.1
fx=tests/fixtures/sev-snp-measure
[ -d "$ref/sevsnpmeasure" ] || { echo "$ref has no sevsnpmeasure/ package" >&2; exit 1; }
[ -r "$lib" ] || { echo "needs $lib (build first)" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian: time)" >&2; exit 1; }
work=$(mktemp -d /tmp/snpm-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

head -c $((4 * 1024 * 1024 - 4096)) /dev/urandom > "$work/fw.fd"
cat "$fx/ovmf_AmdSev_suffix.bin" >> "$work/fw.fd"
head -c $((64 * 1024 * 1024)) /dev/urandom > "$work/kernel"
head -c $((512 * 1024 * 1024)) /dev/urandom > "$work/initrd"

# name, Python call (guest imported)
cases=(
  "kernel+initrd, 4 vCPUs|guest.snp_calc_launch_digest(4, 0x800f12, '$work/fw.fd', '$work/kernel', '$work/initrd', 'console=ttyS0', 0x1, '')"
  "512 vCPUs|guest.snp_calc_launch_digest(512, 0xa10f10, '$work/fw.fd', None, None, None, 0x1, '')"
)
one() { # label, module, env..., call -> "digest seconds kib"
  local mod=$1 call=$2; shift 2
  env "$@" PYTHONDONTWRITEBYTECODE=1 /usr/bin/time -f "%e %M" -o "$work/t" /usr/bin/python3 -c \
    "from $mod import guest; print(($call).hex())" > "$work/d"
  echo "$(cat "$work/d") $(cat "$work/t")"
}
printf '%-24s %-18s %9s %10s\n' case implementation seconds "peak MiB"
for c in "${cases[@]}"; do
  name=${c%%|*} call=${c#*|}
  read -r d1 s1 k1 < <(one snpmeasure.sevsnpmeasure "$call" PYTHONPATH=python SNPMEASURE_LIBRARY="$lib")
  read -r d2 s2 k2 < <(one sevsnpmeasure "$call" PYTHONPATH="$ref")
  [ "$d1" = "$d2" ] || { echo "$name: digests differ: $d1 vs $d2" >&2; exit 1; }
  printf '%-24s %-18s %9s %10d\n' "$name" snpmeasure "$s1" $((k1 / 1024))
  printf '%-24s %-18s %9s %10d\n' "$name" sev-snp-measure "$s2" $((k2 / 1024))
  awk -v a="$s1" -v b="$s2" -v n="$name" 'BEGIN { printf "%-24s reference / snpmeasure = %.1fx\n", n, (a > 0 ? b / a : 0) }'
done
