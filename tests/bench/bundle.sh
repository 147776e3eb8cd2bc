#!/usr/bin/env bash
# Benchmark (not a test): `snpimage bundle` and `snpimage verify` over the largest space
# (4096 vCPU counts x 16 CPU types x 2 feature sets x 3 VMMs = 393,216 configurations), with
# time and peak RSS. The rows stream to measurements.jsonl, so memory stays flat in the space.
#
# Usage: tests/bench/bundle.sh [BUILD_DIR]   (default: build). Needs GNU time (package time).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
img=$build/snpimage
suffix=tests/fixtures/sev-snp-measure/ovmf_AmdSev_suffix.bin
work=$(mktemp -d /tmp/snpm-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -x "$img" ] && [ -x /usr/bin/time ] || { echo "needs $img and /usr/bin/time" >&2; exit 1; }

# A bzImage header at the boot protocol's offsets (2.15), as the tests build it.
python3 - "$work/kernel" <<'PY'
import sys
b = bytearray(65536)
b[0:2] = b"MZ"; b[0x3c] = 0x80; b[0x80:0x84] = b"PE\0\0"; b[0x1f1] = 3
b[0x1fe] = 0x55; b[0x1ff] = 0xaa; b[0x202:0x206] = b"HdrS"; b[0x206] = 0x0f; b[0x207] = 2
b[0x211] = 1; b[0x236] = 9; b[0x238] = 0xff; b[0x239] = 7; b[0x263] = 2
open(sys.argv[1], "wb").write(b)
PY
head -c 4096 /dev/urandom > "$work/initramfs"
head -c 65536 /dev/urandom > "$work/rootfs.img"
/usr/bin/time -f "bundle: %e s, peak RSS %M KiB" "$img" bundle --kernel "$work/kernel" \
  --initramfs "$work/initramfs" --rootfs "$work/rootfs.img" --ovmf "$suffix" --cmdline "ro roothash={roothash}" \
  --vcpus 1-4096 --vcpu-type all --guest-features 0x1 --guest-features 0x21 \
  --vmm-type QEMU,ec2,gce -o "$work/out"
/usr/bin/time -f "verify: %e s, peak RSS %M KiB" "$img" verify "$work/out" > /dev/null
echo "measurements.jsonl: $(wc -l < "$work/out/measurements.jsonl") rows, $(stat -c %s "$work/out/measurements.jsonl") bytes"
