# SPDX-License-Identifier: Apache-2.0
"""The shared library, its structures as ctypes declares them, and its one error type.

The structures mirror the public headers (include/snpm/*.h) member by member; every sized struct
carries its size, so the library refuses a layout it does not know rather than misreading it.
"""
import ctypes
import ctypes.util
import os

SOVERSION = 1
LD_SIZE = 48
SHA256_SIZE = 32
SHA384_SIZE = 48
PAGE_SIZE = 4096
REPORT_SIZE = 1184
ID_BLOCK_SIZE = 96
ID_AUTH_SIZE = 4096

ERROR_NAMES = {
    -1: "EINVAL", -2: "EMALFORMED", -3: "EUNSUPPORTED", -4: "ERANGE", -5: "EIO",
    -6: "ENOMEM", -7: "ECRYPTO", -8: "EVERIFY",
}


class SnpmError(RuntimeError):
    """A refusal or failure of libsnpmeasure: its code (negative, one of ERROR_NAMES), its
    message (one line, naming the file and the reason where there is one) and, when the
    library says where in the input the problem lies, the byte offset. A RuntimeError, as
    the reference raises for the same refusals, so its callers' handlers still catch it."""

    def __init__(self, code, message, offset=None):
        super().__init__(message)
        self.code = code
        self.name = ERROR_NAMES.get(code, str(code))
        self.message = message
        self.offset = offset


class Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("saved_errno", ctypes.c_int),
                ("has_offset", ctypes.c_bool), ("offset", ctypes.c_uint64),
                ("message", ctypes.c_char * 256)]

    def raise_if(self, r):
        if r < 0:
            raise SnpmError(r, self.message.decode("utf-8", "replace"),
                            self.offset if self.has_offset else None)
        return r


class Name(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("value", ctypes.c_uint64), ("flags", ctypes.c_uint)]


NAME_ALIAS = 1  # SNPM_NAME_ALIAS


class Source(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("size", ctypes.c_uint64),
                ("read", ctypes.c_void_p), ("arg", ctypes.c_void_p)]


class MeasureConfig(ctypes.Structure):
    _fields_ = [
        ("size", ctypes.c_uint32), ("mode", ctypes.c_int), ("vmm", ctypes.c_int),
        ("vmm_version", ctypes.c_uint), ("vcpus", ctypes.c_uint32), ("vcpu_sig", ctypes.c_uint32),
        ("guest_features", ctypes.c_uint64), ("vmsa_gpa", ctypes.c_uint64),
        ("vmsa_fpu", ctypes.c_int),
        ("firmware", ctypes.c_void_p), ("firmware_len", ctypes.c_size_t),
        ("firmware_info", ctypes.c_void_p),
        ("has_firmware_digest", ctypes.c_bool), ("firmware_digest", ctypes.c_uint8 * LD_SIZE),
        ("has_kernel", ctypes.c_bool), ("kernel_sha256", ctypes.c_uint8 * SHA256_SIZE),
        ("initrd_sha256", ctypes.c_uint8 * SHA256_SIZE),
        ("cmdline_sha256", ctypes.c_uint8 * SHA256_SIZE),
        ("svsm", ctypes.c_void_p), ("svsm_len", ctypes.c_size_t), ("vars_size", ctypes.c_uint64),
        ("loader", ctypes.c_int), ("igvm", Source), ("igvm_semantics", ctypes.c_int),
        ("igvm_native_zero", ctypes.c_bool), ("igvm_ignore_id_block", ctypes.c_bool),
        ("krun_qboot", Source), ("krun_kernel", Source), ("krun_initrd", Source),
        ("krun_kernel_gpa", ctypes.c_uint64), ("krun_ram_mib", ctypes.c_uint32),
    ]


class MeasurePaths(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("firmware", ctypes.c_char_p),
                ("kernel", ctypes.c_char_p), ("initrd", ctypes.c_char_p),
                ("cmdline", ctypes.c_char_p), ("svsm", ctypes.c_char_p),
                ("igvm", ctypes.c_char_p)]


class TraceEvent(ctypes.Structure):
    _fields_ = [("phase", ctypes.c_int), ("index", ctypes.c_uint32),
                ("section_type", ctypes.c_uint32), ("page_type", ctypes.c_int),
                ("gpa", ctypes.c_uint64), ("length", ctypes.c_uint64),
                ("contents", ctypes.c_uint8 * SHA384_SIZE), ("digest", ctypes.c_uint8 * LD_SIZE),
                ("what", ctypes.c_char_p)]


class SweepSpace(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32),
                ("vcpus", ctypes.POINTER(ctypes.c_uint32)), ("n_vcpus", ctypes.c_size_t),
                ("vcpu_sigs", ctypes.POINTER(ctypes.c_uint32)), ("n_vcpu_sigs", ctypes.c_size_t),
                ("guest_features", ctypes.POINTER(ctypes.c_uint64)),
                ("n_guest_features", ctypes.c_size_t),
                ("vmms", ctypes.POINTER(ctypes.c_int)), ("n_vmms", ctypes.c_size_t)]


class SweepRow(ctypes.Structure):
    _fields_ = [("vmm", ctypes.c_int), ("vcpu_sig_index", ctypes.c_size_t),
                ("vcpu_sig", ctypes.c_uint32), ("guest_features_index", ctypes.c_size_t),
                ("guest_features", ctypes.c_uint64), ("vcpus", ctypes.c_uint32),
                ("digest", ctypes.c_uint8 * LD_SIZE), ("digest_len", ctypes.c_size_t)]


class OvmfEntry(ctypes.Structure):
    _fields_ = [("guid", ctypes.c_uint8 * 16), ("data_offset", ctypes.c_uint32),
                ("data_len", ctypes.c_uint32)]


class OvmfSection(ctypes.Structure):
    _fields_ = [("gpa", ctypes.c_uint32), ("size", ctypes.c_uint32), ("type", ctypes.c_uint32)]


class OvmfInfo(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint64), ("has_table", ctypes.c_bool),
                ("n_entries", ctypes.c_uint32), ("entries", OvmfEntry * 32),
                ("has_metadata", ctypes.c_bool), ("metadata_offset", ctypes.c_uint32),
                ("n_sections", ctypes.c_uint32), ("sections", OvmfSection * 64),
                ("has_reset_eip", ctypes.c_bool), ("reset_eip", ctypes.c_uint32),
                ("has_hashes_table", ctypes.c_bool), ("hashes_table_gpa", ctypes.c_uint32),
                ("hashes_table_size", ctypes.c_uint32),
                ("has_svsm_info", ctypes.c_bool), ("svsm_info_offset", ctypes.c_uint32)]


class CertInput(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32),
                ("vcek", ctypes.c_void_p), ("vcek_len", ctypes.c_size_t),
                ("ask", ctypes.c_void_p), ("ask_len", ctypes.c_size_t),
                ("ark", ctypes.c_void_p), ("ark_len", ctypes.c_size_t),
                ("chain", ctypes.c_void_p), ("chain_len", ctypes.c_size_t)]


class Collateral(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("certs", CertInput), ("crl", ctypes.c_void_p),
                ("crl_len", ctypes.c_size_t), ("now", ctypes.c_int64)]


RULE_TEXT = 200
MAX_RULES = 48


class Rule(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("status", ctypes.c_int),
                ("expected", ctypes.c_char * RULE_TEXT), ("found", ctypes.c_char * RULE_TEXT),
                ("why", ctypes.c_char * RULE_TEXT)]


class AppraisalHead(ctypes.Structure):
    """struct snpm_appraisal up to its rules; the verification result after them is not read
    here, and the buffer passed is larger than the whole struct (see appraise())."""
    _fields_ = [("passed", ctypes.c_bool), ("n", ctypes.c_size_t), ("rules", Rule * MAX_RULES)]


class ReportField(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("label", ctypes.c_char_p),
                ("offset", ctypes.c_uint16), ("size", ctypes.c_uint16),
                ("used", ctypes.c_uint16), ("since", ctypes.c_uint8), ("show", ctypes.c_int),
                ("member", ctypes.c_size_t)]


class IdBlockParams(ctypes.Structure):
    _fields_ = [("size", ctypes.c_uint32), ("measurement", ctypes.c_uint8 * LD_SIZE),
                ("family_id", ctypes.c_uint8 * 16), ("image_id", ctypes.c_uint8 * 16),
                ("guest_svn", ctypes.c_uint32), ("policy", ctypes.c_uint64)]


class Krunfw(ctypes.Structure):
    _fields_ = [("qboot_offset", ctypes.c_uint64), ("qboot_size", ctypes.c_uint64),
                ("kernel_offset", ctypes.c_uint64), ("kernel_size", ctypes.c_uint64),
                ("initrd_offset", ctypes.c_uint64), ("initrd_size", ctypes.c_uint64),
                ("has_kernel_gpa", ctypes.c_bool), ("kernel_gpa", ctypes.c_uint64),
                ("abi_version", ctypes.c_int)]


LOADER_KRUN = 2  # SNPM_LOADER_KRUN


TRACE_FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.POINTER(TraceEvent))
SWEEP_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(SweepRow))
BUNDLE_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint8),
                             ctypes.c_char_p)


def _load():
    path = os.environ.get("SNPMEASURE_LIBRARY")
    if path:
        return ctypes.CDLL(path)
    try:
        return ctypes.CDLL(f"libsnpmeasure.so.{SOVERSION}")
    except OSError:
        found = ctypes.util.find_library("snpmeasure")
        if not found:
            raise ImportError("libsnpmeasure.so.%d not found: install libsnpmeasure%d, or set "
                              "SNPMEASURE_LIBRARY to its path" % (SOVERSION, SOVERSION))
        return ctypes.CDLL(found)


lib = _load()

_P = ctypes.POINTER
_u8p = ctypes.c_void_p
_err = _P(Error)
_SIGNATURES = {
    "snpm_version": (ctypes.c_char_p, []),
    "snpm_mode_names": (_P(Name), []),
    "snpm_vmm_names": (_P(Name), []),
    "snpm_igvm_semantics_names": (_P(Name), []),
    "snpm_cpu_type_names": (_P(Name), []),
    "snpm_refvals_format_names": (_P(Name), []),
    "snpm_section_type_name": (ctypes.c_char_p, [ctypes.c_uint32]),
    "snpm_cpu_sig": (ctypes.c_uint32, [ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32]),
    "snpm_struct_init": (None, [ctypes.c_void_p, ctypes.c_size_t]),
    "snpm_measure_files": (ctypes.c_int, [_P(MeasureConfig), _P(MeasurePaths), _u8p,
                                          _P(ctypes.c_size_t), _err]),
    "snpm_measure_inputs_open": (ctypes.c_int, [_P(MeasureConfig), _P(MeasurePaths),
                                                _P(MeasureConfig), _P(ctypes.c_void_p), _err]),
    "snpm_measure_inputs_check": (ctypes.c_int, [ctypes.c_void_p, _err]),
    "snpm_measure_inputs_free": (None, [ctypes.c_void_p]),
    "snpm_measure_trace": (ctypes.c_int, [_P(MeasureConfig), TRACE_FN, ctypes.c_void_p, _u8p,
                                          _P(ctypes.c_size_t), _err]),
    "snpm_measure_vmsa": (ctypes.c_int, [_P(MeasureConfig), ctypes.c_uint32, _u8p, _err]),
    "snpm_measure_firmware": (ctypes.c_int, [_u8p, ctypes.c_size_t, _u8p, _err]),
    "snpm_cmdline_sha256": (ctypes.c_int, [ctypes.c_char_p, _u8p, _err]),
    "snpm_sweep": (ctypes.c_int, [_P(MeasureConfig), _P(SweepSpace), SWEEP_FN,
                                  ctypes.c_void_p, _err]),
    "snpm_ovmf_parse": (ctypes.c_int, [_u8p, ctypes.c_size_t, _P(OvmfInfo), _err]),
    "snpm_report_fields": (_P(ReportField), [_P(ctypes.c_size_t)]),
    "snpm_report_verify_at": (ctypes.c_int, [_u8p, _P(CertInput), ctypes.c_int64, _u8p,
                                             ctypes.c_size_t, ctypes.c_void_p, _err]),
    "snpm_policy_parse": (ctypes.c_int, [ctypes.c_char_p, _P(ctypes.c_void_p), _err]),
    "snpm_policy_free": (None, [ctypes.c_void_p]),
    "snpm_policy_manifest": (ctypes.c_char_p, [ctypes.c_void_p]),
    "snpm_policy_add_measurement": (ctypes.c_int, [ctypes.c_void_p, _u8p, _err]),
    "snpm_policy_refvals": (ctypes.c_bool, [ctypes.c_void_p, _P(ctypes.c_char_p),
                                            _P(ctypes.c_int), _P(ctypes.c_char_p)]),
    "snpm_refvals_read": (ctypes.c_int, [_u8p, ctypes.c_size_t, ctypes.c_char_p,
                                         ctypes.c_size_t, _P(ctypes.c_void_p), _err]),
    "snpm_refvals_file_free": (None, [ctypes.c_void_p]),
    "snpm_policy_add_refvals": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, _err]),
    "snpm_bundle_measurements": (ctypes.c_int, [ctypes.c_char_p, BUNDLE_FN, ctypes.c_void_p,
                                                _err]),
    "snpm_appraise_with_root": (ctypes.c_int, [ctypes.c_void_p, _u8p, ctypes.c_void_p,
                                               _P(Collateral), _u8p, ctypes.c_size_t,
                                               ctypes.c_void_p, _err]),
    "snpm_cert_table_parse": (ctypes.c_int, [_u8p, ctypes.c_size_t, _P(CertInput), _err]),
    "snpm_key_digest": (ctypes.c_int, [ctypes.c_char_p, ctypes.c_size_t, _u8p, _err]),
    "snpm_id_block_create": (ctypes.c_int, [_P(IdBlockParams), ctypes.c_char_p,
                                            ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
                                            _u8p, _u8p, _u8p, _u8p, _err]),
    "snpm_guid_format": (None, [_u8p, ctypes.c_char_p]),
    "snpm_krunfw_inspect": (ctypes.c_int, [ctypes.c_char_p, _P(Krunfw), _err]),
    "snpm_measure": (ctypes.c_int, [_P(MeasureConfig), _u8p, _P(ctypes.c_size_t), _err]),
}
for _name, (_res, _args) in _SIGNATURES.items():
    _f = getattr(lib, _name)
    _f.restype = _res
    _f.argtypes = _args


def init(struct):
    """SNPM_INIT(): zeroes a sized struct and sets its size."""
    lib.snpm_struct_init(ctypes.byref(struct), ctypes.sizeof(struct))
    return struct


def names(table_fn, aliases=False):
    """A library name table as {name: value}, listed names first."""
    out = {}
    p = table_fn()
    i = 0
    while p[i].name:
        if aliases or not (p[i].flags & NAME_ALIAS):
            out[p[i].name.decode()] = p[i].value
        i += 1
    return out


def buf(data):
    """Bytes as a pointer the library reads (kept alive by the caller's reference)."""
    return ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p) if data is not None else None
