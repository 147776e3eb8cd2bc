# SPDX-License-Identifier: Apache-2.0
"""VMMType as the reference defines it; its names are the library's."""
from enum import Enum


class VMMType(Enum):
    QEMU = 1
    ec2 = 2
    gce = 3
