# SPDX-License-Identifier: Apache-2.0
"""OVMF and SVSM images as the reference's ovmf module presents them, parsed by libsnpmeasure
(footer table, SEV metadata), which refuses what the reference would misread."""
from enum import Enum

from .. import api as _api

FOUR_GB = 0x100000000


class SectionType(Enum):
    SNP_SEC_MEM = 1
    SNP_SECRETS = 2
    CPUID = 3
    SVSM_CAA = 4
    SNP_KERNEL_HASHES = 0x10


class OvmfSevMetadataSectionDesc:
    """One SEV metadata section: gpa, size and section_type_int, as the reference's."""

    def __init__(self, gpa: int, size: int, section_type_int: int):
        self.gpa, self.size, self.section_type_int = gpa, size, section_type_int

    def section_type(self) -> SectionType:
        return SectionType(self.section_type_int)

    def __repr__(self):
        return "OvmfSevMetadataSectionDesc(gpa=0x%x, size=0x%x, type=%d)" % (
            self.gpa, self.size, self.section_type_int)


class OVMF:
    OVMF_TABLE_FOOTER_GUID = "96b582de-1fb2-45f7-baea-a366c55a082d"
    SEV_HASH_TABLE_RV_GUID = "7255371f-3a3b-4b04-927b-1da6efa8d454"
    SEV_ES_RESET_BLOCK_GUID = "00f771de-1a7e-4fcb-890e-68c77e2fb44e"
    OVMF_SEV_META_DATA_GUID = "dc886566-984a-4798-a75e-5585a7bf67cc"

    def __init__(self, _filename: str, end_at: int = FOUR_GB):
        with open(_filename, "rb") as f:
            self._data = f.read()
        info = _api.ovmf_info(self._data)
        self._table = {e.guid: self._data[e.offset:e.offset + e.length] for e in info.entries}
        self._metadata_items = [OvmfSevMetadataSectionDesc(s.gpa, s.size, s.type)
                                for s in info.sections]
        self._gpa = end_at - len(self._data)

    def data(self) -> bytes:
        return self._data

    def size(self) -> int:
        return len(self._data)

    def end_gpa(self) -> int:
        return self.gpa() + self.size()

    def gpa(self) -> int:
        return self._gpa

    def table_item(self, guid: str) -> bytes:
        return self._table[guid]

    def metadata_items(self):
        return self._metadata_items

    def has_metadata_section(self, section_type: SectionType) -> bool:
        return any(s.section_type() == section_type for s in self._metadata_items)

    def is_sev_hashes_table_supported(self) -> bool:
        return self.SEV_HASH_TABLE_RV_GUID in self._table and self.sev_hashes_table_gpa() != 0

    def _u32(self, guid, what):
        if guid not in self._table:
            raise RuntimeError("Can't find %s entry in OVMF table" % what)
        return int.from_bytes(self._table[guid][:4], byteorder="little")

    def sev_hashes_table_gpa(self) -> int:
        return self._u32(self.SEV_HASH_TABLE_RV_GUID, "SEV_HASH_TABLE_RV_GUID")

    def sev_es_reset_eip(self) -> int:
        return self._u32(self.SEV_ES_RESET_BLOCK_GUID, "SEV_ES_RESET_BLOCK_GUID")


class SVSM(OVMF):
    SVSM_INFO_GUID = "a789a612-0597-4c4b-a49f-cbb1fe9d1ddd"

    def sev_es_reset_eip(self) -> int:
        if self.SVSM_INFO_GUID not in self._table:
            raise RuntimeError("Can't find SVSM_INFO_GUID entry in SVSM table")
        return int.from_bytes(self._table[self.SVSM_INFO_GUID][:4], "little") + self.gpa()
