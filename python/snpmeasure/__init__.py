# SPDX-License-Identifier: Apache-2.0
"""snpmeasure: AMD SEV, SEV-ES and SEV-SNP launch measurements, attestation reports and their
appraisal, over libsnpmeasure (ctypes). sev-snp-measure's library calls are in
snpmeasure.sevsnpmeasure."""
from ._lib import SnpmError  # noqa: F401
from ._version import __version__  # noqa: F401
from .api import (  # noqa: F401
    CPU_TYPES, IGVM_LOADERS, MODES, REFVALS_FORMATS, VMMS, Appraisal, Entry, IdBlock, Launch,
    OvmfInfo, Policy, Row, Rule, Section, Step, appraise, cpu_sig, diagnose, dump_vmsas, explain,
    firmware_digest, id_block, key_digest, match, measure, ovmf_info, report_fields,
    report_verify, sweep, version)
