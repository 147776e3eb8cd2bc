# SPDX-License-Identifier: Apache-2.0
"""cpu_sig and CPU_SIGS as the reference has them, from the library's table of CPU models."""
from .. import api as _api


def cpu_sig(family: int, model: int, stepping: int) -> int:
    """The 32-bit CPUID signature of a family, model and stepping (AMD's CPUID specification,
    25481, Fn0000_0001_EAX)."""
    return _api.cpu_sig(family, model, stepping)


CPU_SIGS = dict(_api.CPU_TYPES)
