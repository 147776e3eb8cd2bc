# SPDX-License-Identifier: Apache-2.0
"""SevMode as the reference defines it (values and spellings)."""
import enum


class SevMode(enum.Enum):
    SEV = enum.auto()
    SEV_ES = enum.auto()
    SEV_SNP = enum.auto()
    SEV_SNP_SVSM = enum.auto()

    @staticmethod
    def from_str(s: str):
        if s in ("sev", "SEV"):
            return SevMode.SEV
        if s in ("seves", "sev-es", "SEVES", "SEV-ES"):
            return SevMode.SEV_ES
        if s in ("snp", "sev-snp", "SNP", "SEV-SNP"):
            return SevMode.SEV_SNP
        if s.lower() in ("snp:svsm", "sev-snp:svsm"):
            return SevMode.SEV_SNP_SVSM
        raise ValueError("illegal SEV mode")


# The library's name of each mode.
LIBRARY_NAME = {SevMode.SEV: "sev", SevMode.SEV_ES: "seves", SevMode.SEV_SNP: "snp",
                SevMode.SEV_SNP_SVSM: "snp:svsm"}
