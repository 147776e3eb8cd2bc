# SPDX-License-Identifier: Apache-2.0
"""The reference's guest module: the same functions, arguments and results, computed by
libsnpmeasure (files read as snpmeasure reads them, memory flat in their size).

vmm_version (an extension: the reference's later revisions take it for EC2) selects a VMM's
era; 0 is the latest, as the reference's default."""
import pathlib

from .. import api as _api
from .sev_mode import LIBRARY_NAME, SevMode
from .vmm_types import VMMType


def _launch(mode, vcpus=1, vcpu_sig=0, ovmf_file=None, kernel=None, initrd=None, append=None,
            guest_features=0, snp_ovmf_hash_str="", vmm_type=VMMType.QEMU, svsm_file=None,
            ovmf_vars_size=0, vmm_version=0):
    return _api.Launch(mode=LIBRARY_NAME[mode], ovmf=ovmf_file, kernel=kernel or None,
                       initrd=(initrd or None) if kernel else None,
                       append=(append if append is not None else "") if kernel else None,
                       vcpus=vcpus, vcpu_sig=vcpu_sig, guest_features=guest_features,
                       vmm=vmm_type.name, vmm_version=vmm_version,
                       snp_ovmf_hash=snp_ovmf_hash_str or None, svsm=svsm_file or None,
                       vars_size=ovmf_vars_size)


def _dump(launch):
    for i, page in enumerate(_api.dump_vmsas(launch)):
        pathlib.Path(f"vmsa{i}.bin").write_bytes(page)


def _digest(launch, dump_vmsa):
    digest = _api.measure(launch)
    if dump_vmsa:
        _dump(launch)
    return digest


def calc_launch_digest(mode: SevMode, vcpus: int, vcpu_sig: int, ovmf_file: str,
                       kernel: str, initrd: str, append: str, guest_features: int,
                       snp_ovmf_hash_str: str = '', vmm_type: VMMType = VMMType.QEMU,
                       dump_vmsa: bool = False, svsm_file: str = '',
                       ovmf_vars_size: int = 0, vmm_version: int = 0) -> bytes:
    if snp_ovmf_hash_str and mode != SevMode.SEV_SNP:
        raise ValueError("SNP OVMF hash only works with SNP")
    if mode == SevMode.SEV_SNP:
        return snp_calc_launch_digest(vcpus, vcpu_sig, ovmf_file, kernel, initrd, append,
                                      guest_features, snp_ovmf_hash_str, vmm_type,
                                      dump_vmsa=dump_vmsa, vmm_version=vmm_version)
    if mode == SevMode.SEV_ES:
        return seves_calc_launch_digest(vcpus, vcpu_sig, ovmf_file, kernel, initrd, append,
                                        vmm_type=vmm_type, dump_vmsa=dump_vmsa)
    if mode == SevMode.SEV:
        return sev_calc_launch_digest(ovmf_file, kernel, initrd, append)
    if mode == SevMode.SEV_SNP_SVSM:
        if vmm_type != VMMType.QEMU:
            raise AssertionError("SVSM mode is only implemented for Qemu.")
        return svsm_calc_launch_digest(vcpus, vcpu_sig, ovmf_file, ovmf_vars_size, svsm_file,
                                       dump_vmsa)
    raise ValueError("unknown mode")


def calc_snp_ovmf_hash(ovmf_file: str) -> bytes:
    return _api.firmware_digest(ovmf_file)


def snp_calc_launch_digest(vcpus: int, vcpu_sig: int, ovmf_file: str, kernel: str, initrd: str,
                           append: str, guest_features: int, ovmf_hash_str: str,
                           vmm_type: VMMType = VMMType.QEMU, dump_vmsa: bool = False,
                           vmm_version: int = 0) -> bytes:
    return _digest(_launch(SevMode.SEV_SNP, vcpus, vcpu_sig, ovmf_file, kernel, initrd, append,
                           guest_features, ovmf_hash_str, vmm_type, vmm_version=vmm_version),
                   dump_vmsa)


def svsm_calc_launch_digest(vcpus: int, vcpu_sig: int, ovmf_file: str, ovmf_vars_size: int,
                            svsm_file: str, dump_vmsa: bool) -> bytes:
    return _digest(_launch(SevMode.SEV_SNP_SVSM, vcpus, vcpu_sig, ovmf_file,
                           svsm_file=svsm_file, ovmf_vars_size=ovmf_vars_size), dump_vmsa)


def seves_calc_launch_digest(vcpus: int, vcpu_sig: int, ovmf_file: str, kernel: str, initrd: str,
                             append: str, vmm_type: VMMType = VMMType.QEMU,
                             dump_vmsa: bool = False) -> bytes:
    return _digest(_launch(SevMode.SEV_ES, vcpus, vcpu_sig, ovmf_file, kernel, initrd, append,
                           vmm_type=vmm_type), dump_vmsa)


def sev_calc_launch_digest(ovmf_file: str, kernel: str, initrd: str, append: str) -> bytes:
    return _api.measure(_launch(SevMode.SEV, ovmf_file=ovmf_file, kernel=kernel, initrd=initrd,
                                append=append))
