#!/usr/bin/env bash
# Every function and datum the public headers declare (SNPM_EXPORT) is exported by the shared library,
# and the library exports nothing else: a declaration without a definition would only fail
# when an application links.
# Usage: tests/exports.sh INCLUDE_DIR LIBRARY.so [DEBIAN_SYMBOLS_FILE]
set -euo pipefail
declared=$( (cat "$1"/snpm/*.h | tr '\n' ' ' | grep -o 'SNPM_EXPORT [^;(]*(' |
  grep -o 'snpm_[a-z0-9_]*($' | tr -d '('
  # data: SNPM_EXPORT extern const TYPE name[...];
  cat "$1"/snpm/*.h | grep -o 'SNPM_EXPORT extern [^;]*;' | grep -o 'snpm_[a-z0-9_]*\[' | tr -d '[') |
  sort -u)
# (ASan adds an __odr_asan.NAME marker beside each exported datum: not ours.)
exported=$(nm -D --defined-only "$2" | awk '$2 ~ /^[TDRB]$/ && $3 !~ /^__odr_asan/ { print $3 }' | sort -u)
missing=$(comm -23 <(echo "$declared") <(echo "$exported"))
extra=$(comm -13 <(echo "$declared") <(echo "$exported"))
[ -z "$missing" ] || { echo "declared but not exported: $missing"; exit 1; }
[ -z "$extra" ] || { echo "exported but not declared: $extra"; exit 1; }
# The Debian symbols file lists exactly these (dpkg-gensymbols -c4 then holds the ABI to it).
if [ -n "${3:-}" ]; then
  listed=$(grep -o '^ snpm_[a-z0-9_]*@Base' "$3" | sed 's/^ //; s/@Base$//' | sort -u)
  [ "$listed" = "$exported" ] || { echo "$3 differs from the exports:"; diff <(echo "$listed") <(echo "$exported"); exit 1; }
fi
echo "exports: $(echo "$declared" | wc -l) functions declared and exported"
