# SPDX-License-Identifier: Apache-2.0
"""sev-snp-measure's own test vectors (vectors/reference-test-guest.json: the digests its
tests/test_guest.py asserts) through the compatibility layer, called as those tests call the
reference; and its other entry points."""
import base64
import json

import pytest

from conftest import FIXTURES, REPO
from snpmeasure import SnpmError
from snpmeasure.sevsnpmeasure import guest, id_block, ovmf, sev_mode, vcpu_types, vmm_types

CASES = json.loads((REPO / "vectors" / "reference-test-guest.json").read_text())["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_reference_vectors(case):
    fw = str(FIXTURES / "sev-snp-measure" / case["firmware"])
    if case["mode"] == "snp:ovmf-hash":
        assert guest.calc_snp_ovmf_hash(fw).hex() == case["expect"]
        return
    kernel = "/dev/null" if case.get("kernel") else None
    sig = int(case["vcpu_sig"], 16) if case.get("vcpu_sig") else 0
    vmm = vmm_types.VMMType[case["vmm"]] if case.get("vmm") else vmm_types.VMMType.QEMU
    svsm = str(FIXTURES / "sev-snp-measure" / case["svsm"]) if case.get("svsm") else ""
    call = lambda: guest.calc_launch_digest(
        sev_mode.SevMode.from_str(case["mode"]), case.get("vcpus", 1), sig, fw, kernel,
        kernel, case.get("append"), int(case.get("guest_features", "0x1"), 16),
        case.get("snp_ovmf_hash", ""), vmm, svsm_file=svsm,
        ovmf_vars_size=int(str(case.get("vars_size", 0)), 0),
        vmm_version=case.get("vmm_version") or 0)
    if case["expect"] == "error":  # the reference raises RuntimeError; so does this
        with pytest.raises(RuntimeError) as e:
            call()
        assert isinstance(e.value, SnpmError) and "a kernel was given" in e.value.message
        return
    assert call().hex() == case["expect"]


def test_cpu_sigs():
    # the reference's table: family/model/stepping -> signature
    assert vcpu_types.cpu_sig(23, 1, 2) == 0x800f12
    assert vcpu_types.cpu_sig(25, 17, 0) == 0xa10f10
    assert vcpu_types.CPU_SIGS["EPYC-v4"] == 0x800f12
    assert vcpu_types.CPU_SIGS["EPYC-Milan"] == vcpu_types.cpu_sig(25, 1, 1)
    assert vcpu_types.CPU_SIGS["EPYC-Turin"] == vcpu_types.cpu_sig(26, 0, 0)
    assert len(vcpu_types.CPU_SIGS) == 16


def test_modes_and_vmms():
    assert sev_mode.SevMode.from_str("sev-es") is sev_mode.SevMode.SEV_ES
    assert sev_mode.SevMode.SEV_SNP.value == 3
    with pytest.raises(ValueError):
        sev_mode.SevMode.from_str("tdx")
    assert [v.name for v in vmm_types.VMMType] == ["QEMU", "ec2", "gce"]


def test_ovmf(fixture):
    o = ovmf.OVMF(fixture("sev-snp-measure/ovmf_AmdSev_suffix.bin"))
    assert o.size() == 4096 and o.gpa() == 0x100000000 - 4096
    assert o.sev_es_reset_eip() == 0x80b004
    assert o.sev_hashes_table_gpa() == 0x810c00
    assert o.is_sev_hashes_table_supported()
    types = [s.section_type() for s in o.metadata_items()]
    assert ovmf.SectionType.SNP_KERNEL_HASHES in types
    assert o.has_metadata_section(ovmf.SectionType.CPUID)
    assert len(o.table_item(ovmf.OVMF.SEV_ES_RESET_BLOCK_GUID)) == 4
    x64 = ovmf.OVMF(fixture("sev-snp-measure/ovmf_OvmfX64_suffix.bin"))
    assert not x64.has_metadata_section(ovmf.SectionType.SNP_KERNEL_HASHES)


def test_kernel_needs_hashes_table(fixture):
    from snpmeasure import SnpmError
    with pytest.raises(SnpmError) as e:
        guest.snp_calc_launch_digest(1, 0x800f12, fixture("sev-snp-measure/ovmf_OvmfX64_suffix.bin"),
                                     "/dev/null", None, "", 0x1, "")
    assert e.value.code < 0 and e.value.message


def test_id_block(fixture):
    v = json.loads((REPO / "vectors" / "id-block.json").read_text())
    ld = base64.b64decode(v["id_block_base64"])[:48]
    text = id_block.snp_calc_id_block(ld, fixture("sev-snp-measure/id_key_test.pem"),
                                      fixture("sev-snp-measure/author_key_test.pem"))
    lines = text.split("\n")
    assert lines[0].startswith("id-block=" + v["id_block_base64"] + ",id-auth=")
    assert lines[1] == "id_key_hash: " + v["id_key_digest_base64"]
    assert lines[2] == "author_key: " + v["author_key_digest_base64"]
