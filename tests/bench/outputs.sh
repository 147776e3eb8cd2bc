#!/usr/bin/env bash
# Not a test: a transcript of what the tools print (stdout, stderr, exit code) for a fixed set of
# commands over the fixtures, so a refactor can show that every output byte stayed the same:
#
#   tests/bench/outputs.sh build > before.txt   # on the old commit
#   tests/bench/outputs.sh build > after.txt    # on the new one
#   diff before.txt after.txt                   # nothing
#
# Inputs are the repository's fixtures and files made here from fixed bytes; paths in the
# transcript are relative to a scratch folder, so two runs compare whatever the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
build=$(cd "${1:-build}" && pwd)
S=$build/snpmeasure
I=$build/snpimage
F=$root/tests/fixtures
work=$(mktemp -d /tmp/snpm-outputs-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"

# Deterministic stand-ins: a kernel, an initrd, an IGVM file, a policy, a folder to package.
python3 - <<'PY'
import hashlib
def stream(label, n):
    out = bytearray(); i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{label}/{i}".encode()).digest(); i += 1
    return bytes(out[:n])
# A bzImage header as tests/testutil.c writes one (setup 4 sectors, protocol 2.15, 64-bit).
k = bytearray(stream("kernel", 300000))
k[0:0x400] = bytes(0x400)
k[0:2] = b"MZ"; k[0x3c] = 0x80; k[0x80:0x84] = b"PE\0\0"; k[0x1f1] = 4
k[0x1fe:0x200] = b"\x55\xaa"; k[0x202:0x206] = b"HdrS"; k[0x206:0x208] = b"\x0f\x02"
k[0x20e:0x210] = b"\x00\x01"; v = b"6.1.0-snp (builder@host) #1 SMP\0"; k[0x300:0x300 + len(v)] = v
k[0x211] = 1; k[0x236] = 0x09; k[0x238:0x23a] = b"\xff\x07"; k[0x263] = 0x02
open("kernel", "wb").write(k)
open("initrd", "wb").write(stream("initrd", 100000))
PY
"$build/tests/igvm_gen" guest.igvm 8 >/dev/null
cp "$F/sev-snp-measure/ovmf_AmdSev_suffix.bin" OVMF.fd
cp "$F/sev-snp-measure/ovmf_OvmfX64_suffix.bin" debian.fd
mkdir -p root/bin root/etc && printf 'hello\n' > root/etc/motd && printf '#!/bin/sh\n' > root/bin/init
chmod 755 root/bin/init
touch -d @1700000000 root root/bin root/etc root/etc/motd root/bin/init
printf '{ "measurements": ["%s"], "allow_smt": true, "require_crl": false, "min_tcb": { "bootloader": 1, "snp": 4 } }\n' \
  "$(printf '%096d' 1)" > policy.json

# The transcript names files relative to the scratch folder, the source and the build.
plain() {
  local t=${1//$work\//}
  t=${t//$build\//build/}
  printf '%s' "${t//$root\//}"
}

n=0
run() {
  n=$((n + 1))
  local out err rc=0
  out=$("$@" 2>stderr.txt) || rc=$?
  err=$(cat stderr.txt)
  printf '### %d: %s\n' "$n" "$(plain "$*")"
  printf '%s\n' "$(plain "$out")"
  [ -z "$err" ] || printf -- '--- stderr\n%s\n' "$(plain "$err")"
  printf -- '--- exit %d\n' "$rc"
}

# Measurement verbs, every mode and format.
M=(--ovmf OVMF.fd --vcpus 4 --vcpu-type EPYC-Milan)
K=(--kernel kernel --initrd initrd --append "console=ttyS0 root=/dev/vda")
run "$S" --ovmf OVMF.fd
run "$S" --mode snp "${M[@]}" "${K[@]}"
run "$S" --mode snp "${M[@]}" "${K[@]}" --json
run "$S" --mode snp "${M[@]}" "${K[@]}" --output-format base64 -v
run "$S" --mode sev --ovmf OVMF.fd "${K[@]}"
run "$S" --mode seves "${M[@]}" "${K[@]}" --json
run "$S" --mode snp:ovmf-hash --ovmf OVMF.fd
run "$S" --mode snp:svsm --ovmf "$F/sev-snp-measure/svsm_ovmf.fd" --svsm "$F/sev-snp-measure/svsm.bin" --vars-size 540672 --vcpus 2 --vcpu-type EPYC-v4
run "$S" --mode snp "${M[@]}" --vmm-type ec2
run "$S" --mode snp "${M[@]}" --vmm-type gce --vmsa-gpa 52bit --json
run "$S" --mode snp "${M[@]}" --guest-features SNPActive,DebugSwap --vmsa-fpu legacy-kvm
run "$S" --mode snp "${M[@]}" --kernel-hash "$(sha256sum kernel | cut -c1-64)" --append x
run "$S" --igvm guest.igvm --vcpus 2
run "$S" --igvm guest.igvm --igvm-loader igvmmeasure --json
run "$S" --mode snp --vmm-type krun --krunfw "$build/tests/libkrunfw_standin.so" --vcpus 2
run "$S" explain "${M[@]}" "${K[@]}"
run "$S" explain "${M[@]}" --json
run "$S" sweep --ovmf OVMF.fd --vcpus 1-3 --vcpu-type EPYC-v4,EPYC-Genoa --guest-features 0x1,0x21
run "$S" sweep --ovmf OVMF.fd --vcpus 1,2 --vmm-type QEMU,ec2 --csv
run "$S" sweep --ovmf OVMF.fd --vcpus 1-2 --json
d=$("$S" --ovmf OVMF.fd --vcpus 2 --vcpu-type EPYC-Genoa 2>/dev/null)
run "$S" match --measurement "$d" --ovmf OVMF.fd --vcpus 1-4 --vcpu-type all
run "$S" match --measurement "$d" --ovmf OVMF.fd --vcpus 1-4 --vcpu-type all --json
run "$S" ovmf OVMF.fd
run "$S" ovmf OVMF.fd --json
run "$S" ovmf "$F/sev-snp-measure/svsm.bin"
"$S" ovmf OVMF.fd --json > meta.json
run "$S" --ovmf-metadata meta.json --vcpus 2
run "$S" igvm guest.igvm
run "$S" igvm guest.igvm --json
run "$S" key-digest "$F/sev-snp-measure/id_key_test.pem"
run "$S" key-digest "$F/sev-snp-measure/author_key_test.pem" --json --output-format base64
# (ID_AUTH's ECDSA signatures are randomized: left out.)
no_auth() { "$@" | python3 -c 'import json, sys; d = json.load(sys.stdin); d.pop("id_auth"); print(d)'; }
run no_auth "$S" id-block --measurement "$d" --id-key "$F/sev-snp-measure/id_key_test.pem" --author-key "$F/sev-snp-measure/author_key_test.pem" --json

# Reports: every fixture, every verb that reads one.
for r in milan-v2 genoa-v3 turin-v5; do
  R=$F/reports/$r
  C=$(ls "$R"/vcek.*)
  run "$S" report show "$R/report.bin"
  run "$S" report show "$R/report.bin" --json
  run "$S" report verify "$R/report.bin" --vcek "$C" --now 2026-06-01
  run "$S" report verify "$R/report.bin" --vcek "$C" --now 2026-06-01 --json
  run "$S" report kds "$R/report.bin" --product "${r%%-*}"
  run "$S" report kds "$R/report.bin" --product "${r%%-*}" --json
  run "$S" report check "$R/report.bin" --measurement "$d"
  run "$S" report check "$R/report.bin" --measurement "$d" --json
  run "$S" report appraise "$R/report.bin" --policy policy.json --vcek "$C" --now 2026-06-01
  run "$S" report appraise "$R/report.bin" --policy policy.json --vcek "$C" --now 2026-06-01 --json
done
run "$S" report show "$F/reports/vlek-v3/report.bin" --json
run "$S" report verify "$F/reports/vlek-v3/report.bin" --vlek "$F/reports/vlek-v3/vlek.der" --now 2025-06-01
run "$S" report verify "$F/reports/vlek-v3/report.bin" --vlek "$F/reports/vlek-v3/vlek.der" --now 2026-06-01 --json
run "$S" report show "$F/dstack/attestation.bin"
run "$S" report show "$F/dstack/sev-snp-attestation.json" --json
run "$S" dstack host-data "$F/dstack/mr_config.json"
run "$S" dstack image "$F/dstack/image" --json

# Mistakes: the one-line refusals.
run "$S" --mode snp --ovmf debian.fd --kernel kernel
run "$S" --mode snp --ovmf OVMF.fd --vcpu-type EPYC-Nope
run "$S" --mode nope --ovmf OVMF.fd
run "$S" --ovmf OVMF.fd --vmm-type hyperv
run "$S" --ovmf OVMF.fd --vmsa-fpu other
run "$S" --ovmf OVMF.fd --igvm-loader other
run "$S" --ovmf OVMF.fd --output-format raw
run "$S" --ovmf OVMF.fd --guest-features Nope
run "$S" --ovmf OVMF.fd --vcpus 0
run "$S" --ovmf missing.fd
run "$S" --ovmf OVMF.fd --initrd initrd
run "$S" --ovmf OVMF.fd --kernel kernel --kernel-hash 00
run "$S" --ovmf OVMF.fd --vcpus 2 --vcpus 3
run "$S" report kds "$F/reports/milan-v2/report.bin" --product nope
run "$S" report get --interface nope
run "$S" nope

# snpimage: verity, initramfs, rootfs, bundle.
head -c 1048576 /dev/zero > data.img
run "$I" verity format data.img data.hash --salt 00112233 --uuid 01234567-89ab-cdef-0123-456789abcdef
run "$I" verity dump data.hash
run "$I" verity dump data.hash --json
root_hash=$("$I" verity dump data.hash >/dev/null; "$I" verity format data.img data.hash2 --salt 00112233 | sed -n 's/^Root hash: *\t*//p')
run "$I" verity verify data.img data.hash "$root_hash"
run "$I" verity verify data.img data.hash "$root_hash" --json
export SOURCE_DATE_EPOCH=1700000000
run "$I" initramfs root -o initrd.cpio.gz --json
run sha256sum initrd.cpio.gz
run "$I" initramfs root -o initrd.cpio --compress none
run "$I" rootfs root -o rootfs.img --verity --json
run "$I" kernel-info kernel
run "$I" kernel-info kernel --json
run "$I" kernel-info OVMF.fd
run "$I" bundle --kernel kernel --initramfs initrd.cpio.gz --rootfs root --ovmf OVMF.fd \
  --cmdline "root=/dev/vda roothash={roothash}" -o bundle --vcpus 1-2 --vcpu-type EPYC-v4,EPYC-Milan
run cat bundle/manifest.json bundle/measurements.jsonl bundle/sha256sum.txt
run "$I" verify bundle
run "$I" verify bundle --json
run "$I" bundle --kernel kernel --initramfs initrd.cpio.gz --rootfs root --ovmf OVMF.fd \
  --cmdline "root=/dev/vda" -o bundle2
run "$I" verity format data.img data.hash --hash nope

# Help, every verb.
run "$S" --help
run "$I" --help
for v in explain sweep match ovmf report id-block key-digest igvm dstack; do run "$S" "$v" --help; done
for v in verity initramfs rootfs bundle verify kernel-info; do run "$I" "$v" --help; done
