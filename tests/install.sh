#!/usr/bin/env bash
# An installed tree works from outside: `cmake --install` into a fresh prefix, then the example
# in examples/ built against it with pkg-config (shared and static) and with find_package(snpmeasure)
# (shared and static), each run on Debian's OVMF and compared with the built snpmeasure; then the
# prefix is moved and pkg-config still finds it (the .pc file is relocatable).
# Usage: tests/install.sh BUILD_DIR SOURCE_DIR OVMF [EXTRA_CFLAGS]
set -euo pipefail
build=$1 src=$2 ovmf=$3 extra=${4:-}
work=$(mktemp -d /tmp/snpm-install-XXXXXX)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/p" > /dev/null
want=$("$build/snpmeasure" -q --ovmf "$ovmf")
pcdir=$(dirname "$(find "$work/p" -name libsnpmeasure.pc)")
libdir=$(dirname "$pcdir")

# pkg-config, shared
read -ra flags < <(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs libsnpmeasure)
# shellcheck disable=SC2086
cc $extra "$src/examples/measure_firmware.c" "${flags[@]}" -o "$work/pc"
got=$(LD_LIBRARY_PATH=$libdir "$work/pc" "$ovmf")
[ "$got" = "$want" ] || { echo "pkg-config build: $got, snpmeasure: $want"; exit 1; }

# pkg-config, static: the archive, and every library it needs from `--static --libs` alone
# (Requires.private: libarchive brings zstd, lz4 and the rest).
read -ra sflags < <(PKG_CONFIG_PATH=$pcdir pkg-config --static --cflags --libs libsnpmeasure)
args=()
for f in "${sflags[@]}"; do [ "$f" = -lsnpmeasure ] || args+=("$f"); done
# shellcheck disable=SC2086
cc $extra "$src/examples/measure_firmware.c" "$libdir/libsnpmeasure.a" "${args[@]}" -o "$work/pcs"
got=$("$work/pcs" "$ovmf")
[ "$got" = "$want" ] || { echo "pkg-config static build: $got, snpmeasure: $want"; exit 1; }
ldd "$work/pcs" | grep -q libsnpmeasure && { echo "the static build links the shared library"; exit 1; }

# CMake, shared and static
cmake -S "$src/examples" -B "$work/ex" -DCMAKE_PREFIX_PATH="$work/p" \
  -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" > /dev/null
cmake --build "$work/ex" > /dev/null
for exe in measure_firmware measure_firmware_static; do
  got=$(LD_LIBRARY_PATH=$libdir "$work/ex/$exe" "$ovmf")
  [ "$got" = "$want" ] || { echo "CMake build $exe: $got, snpmeasure: $want"; exit 1; }
done
ldd "$work/ex/measure_firmware_static" | grep -q libsnpmeasure &&
  { echo "measure_firmware_static links the shared library"; exit 1; }

# Moved: the .pc file's paths follow it.
mv "$work/p" "$work/moved"
inc=$(PKG_CONFIG_PATH=${pcdir/$work\/p/$work\/moved} pkg-config --variable=includedir libsnpmeasure)
[ -f "$inc/snpm/snpm.h" ] || { echo "relocated pkg-config points at $inc"; exit 1; }
echo "install: pkg-config and CMake builds measure $want; the .pc follows a moved prefix"
