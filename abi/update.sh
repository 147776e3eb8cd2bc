#!/usr/bin/env bash
# Writes the ABI of a build's shared library as abigail-tools' abidw sees it through the public
# headers: the baseline abi/libsnpmeasure.abi by default (run it when an ABI change is meant,
# and review the diff like any other), or OUT (the test "abi" compares the two).
# Usage: abi/update.sh [BUILD_DIR [OUT]]   (default: build, abi/libsnpmeasure.abi)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
out=${2:-$src/abi/libsnpmeasure.abi}
lib=$build/libsnpmeasure.so.$(cat "$src/SOVERSION")
command -v abidw >/dev/null || { echo "abidw missing: install abigail-tools (.ci/install-deps does)" >&2; exit 1; }
# Paths inside the source tree are written relative to it: the same ABI gives the same file
# wherever the tree was built.
abidw --headers-dir "$src/include/snpm" --headers-dir "$build/include/snpm" --drop-private-types \
  --no-corpus-path --no-comp-dir-path --no-show-locs "$lib" |
  sed "s|path='$src/|path='|g" > "$out"
echo "$out: $(grep -c '<function-decl' "$out") function declarations"
