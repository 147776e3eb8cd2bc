#!/usr/bin/env bash
# The shared library's ABI is the committed baseline's (abi/libsnpmeasure.abi, compared with
# abidiff from Debian's abigail-tools): any change fails, so a break is never accidental; a change
# that is meant goes with a new baseline (abi/update.sh) and, when it breaks callers, a new
# SOVERSION.
# Usage: tests/abi.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
command -v abidiff >/dev/null || { echo "abidiff missing: install abigail-tools (.ci/install-deps does)"; exit 1; }
now=$(mktemp /tmp/snpm-abi-XXXXXX)
trap 'rm -f "$now"' EXIT
"$src/abi/update.sh" "$build" "$now" >/dev/null
set +e
abidiff "$src/abi/libsnpmeasure.abi" "$now"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  echo "the library's ABI differs from abi/libsnpmeasure.abi (abidiff exit $rc):"
  echo "a break needs a new SOVERSION; either way run abi/update.sh and review the diff"
  exit 1
fi
echo "abi: as abi/libsnpmeasure.abi"
