# SPDX-License-Identifier: Apache-2.0
"""The ctypes structures (snpmeasure/_lib.py) against the library's ABI as the repository
records it (abi/libsnpmeasure.abi, which the test `abi` holds to every build): the same size,
and every member at the same offset under the same name. A header change that the Python
mirror misses fails here, not as a wrong digest later."""
import ctypes
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO
from snpmeasure import _lib

MIRRORS = {
    "snpm_error": _lib.Error, "snpm_name": _lib.Name, "snpm_source": _lib.Source,
    "snpm_measure_config": _lib.MeasureConfig, "snpm_measure_paths": _lib.MeasurePaths,
    "snpm_trace_event": _lib.TraceEvent, "snpm_sweep_space": _lib.SweepSpace,
    "snpm_sweep_row": _lib.SweepRow, "snpm_ovmf_entry": _lib.OvmfEntry,
    "snpm_ovmf_section": _lib.OvmfSection, "snpm_ovmf_info": _lib.OvmfInfo,
    "snpm_cert_input": _lib.CertInput, "snpm_collateral": _lib.Collateral,
    "snpm_rule": _lib.Rule, "snpm_report_field": _lib.ReportField,
    "snpm_id_block_params": _lib.IdBlockParams, "snpm_krunfw": _lib.Krunfw,
}
RENAMED = {"passed": "pass"}  # a Python keyword in C


def abi_structs():
    root = ET.parse(REPO / "abi" / "libsnpmeasure.abi").getroot()
    by_id = {e.get("id"): e for e in root.iter() if e.get("id")}

    def size_of(type_id):
        # A type's bytes: its own size, or through typedefs, qualifiers and an enum's
        # underlying type.
        e = by_id[type_id]
        if e.get("size-in-bits"):
            return int(e.get("size-in-bits")) // 8
        if e.tag == "enum-decl":
            return size_of(e.find("underlying-type").get("type-id"))
        return size_of(e.get("type-id"))

    out = {}
    for c in root.iter("class-decl"):
        if c.get("is-struct") == "yes" and c.get("size-in-bits") and c.get("name"):
            out[c.get("name")] = (int(c.get("size-in-bits")) // 8, [
                (m.find("var-decl").get("name"), int(m.get("layout-offset-in-bits")) // 8,
                 size_of(m.find("var-decl").get("type-id")))
                for m in c.findall("data-member")])
    return out


STRUCTS = abi_structs()


def members(cls):
    return [(RENAMED.get(name, name), getattr(cls, name).offset, getattr(cls, name).size)
            for name, _ in cls._fields_]


@pytest.mark.parametrize("name", sorted(MIRRORS))
def test_mirror_is_the_abi(name):
    size, want = STRUCTS[name]
    assert ctypes.sizeof(MIRRORS[name]) == size
    assert members(MIRRORS[name]) == want


def test_appraisal_head():
    # The head is mirrored; the buffer passed is the head and 64 KiB, larger than the whole.
    size, want = STRUCTS["snpm_appraisal"]
    assert members(_lib.AppraisalHead) == want[:3]
    assert size <= ctypes.sizeof(_lib.AppraisalHead) + (1 << 16)
    assert STRUCTS["snpm_verify_result"][0] <= 1 << 16
