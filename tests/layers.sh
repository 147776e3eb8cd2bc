#!/usr/bin/env bash
# The library's folders are layers and their includes point down only (README, "Layout"):
#
#   core      errors, bytes, hex and GUID text, hashing, JSON helpers, the I/O layer
#   ovmf      firmware images                                    uses core
#   measure   the launch engine                                  uses ovmf, core
#   document  firmware metadata, measurement documents          uses measure, ovmf, core
#   attest    reports, verification, collateral, appraisal,      uses document, ovmf, core
#             dstack's identities (derived from reports)
#   image     verity, initramfs, rootfs, kernels, bundles        uses attest, document, measure,
#                                                                ovmf, core
#   guest     report requests from inside a guest                uses attest, core
#
# A folder may include its own headers, a lower folder's private headers ("../core/core.h") and
# the public headers (<snpm/...>) that lower folders (or itself) own. Anything else fails, naming
# the file and the include.
# Usage: tests/layers.sh SOURCE_DIR
set -euo pipefail
cd "${1:-.}"

declare -A uses=(
  [core]=""
  [ovmf]="core"
  [measure]="ovmf core"
  [document]="measure ovmf core"
  [attest]="document ovmf core"
  [image]="attest document measure ovmf core"
  [guest]="attest core"
)
# Which folder each public header belongs to.
declare -A owner=(
  [common.h]=core [version.h]=core [hash.h]=core
  [ovmf.h]=ovmf
  [measure.h]=measure [igvm.h]=measure
  [document.h]=document
  [dstack.h]=attest
  [report.h]=attest [appraise.h]=attest [refvals.h]=attest
  [image.h]=image
  [guest.h]=guest
)

bad=0
for dir in "${!uses[@]}"; do
  allowed=" $dir ${uses[$dir]} "
  for f in "$dir"/*.[ch]; do
    while IFS= read -r inc; do
      case "$inc" in
      \"../*)
        to=${inc#\"../}
        to=${to%%/*}
        ;;
      \"*) continue ;; # its own folder
      \<snpm/*)
        h=${inc#<snpm/}
        h=${h%>}
        to=${owner[$h]:-}
        [ -n "$to" ] || { echo "$f: includes <snpm/$h>, which no layer owns (add it to tests/layers.sh)"; bad=1; continue; }
        ;;
      *) continue ;;
      esac
      case "$allowed" in
      *" $to "*) ;;
      *) echo "$f: includes $inc from $to, a layer above or beside $dir"; bad=1 ;;
      esac
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' "$f")
  done
done
# The public headers follow the same order: a header includes only its layer's and lower ones.
for f in include/snpm/*.h; do
  h=${f##*/}
  [ "$h" = snpm.h ] && continue
  from=${owner[$h]:-}
  [ -n "$from" ] || { echo "$f: no layer owns it (add it to tests/layers.sh)"; bad=1; continue; }
  allowed=" $from ${uses[$from]} "
  for inc in $(sed -n 's/^#include <snpm\/\([^>]*\)>.*/\1/p' "$f"); do
    to=${owner[$inc]:-}
    case "$allowed" in
    *" $to "*) ;;
    *) echo "$f: includes <snpm/$inc> from $to, a layer above or beside $from"; bad=1 ;;
    esac
  done
done
# Every library folder is in the table (a new one must say where it stands).
for dir in */; do
  dir=${dir%/}
  case " core ovmf measure document attest image guest tools tests include docs examples debian completions vectors build build-asan build-fuzz " in
  *" $dir "*) ;;
  *) if ls "$dir"/*.c >/dev/null 2>&1; then echo "$dir: a folder of sources that tests/layers.sh does not place"; bad=1; fi ;;
  esac
done
[ "$bad" = 0 ] && echo "layers: every include points down"
exit "$bad"
