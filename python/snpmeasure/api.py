# SPDX-License-Identifier: Apache-2.0
"""What the snpmeasure command does, as Python calls over libsnpmeasure: bytes in, bytes and
plain dataclasses out, one exception type (SnpmError) for every refusal."""
import ctypes
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

from . import _lib
from ._lib import SnpmError, lib

PathLike = Union[str, os.PathLike]


def _names(fn):
    return _lib.names(fn)


MODES = {**_lib.names(lib.snpm_mode_names, aliases=True)}
VMMS = _lib.names(lib.snpm_vmm_names)
IGVM_LOADERS = _lib.names(lib.snpm_igvm_semantics_names)
CPU_TYPES = _lib.names(lib.snpm_cpu_type_names)
REFVALS_FORMATS = _lib.names(lib.snpm_refvals_format_names)
_VMM_OF = {v: k for k, v in VMMS.items()}


def version() -> str:
    """The library's version."""
    return lib.snpm_version().decode()


def _pick(table, what, value):
    if isinstance(value, int):
        return value
    if value in table:
        return table[value]
    raise SnpmError(-1, "%s: '%s' is not one of %s" % (what, value, ", ".join(table)))


def _path(p):
    return os.fsencode(p) if p is not None else None


def cpu_sig(family: int, model: int, stepping: int) -> int:
    """The CPUID signature of a family, model and stepping (AMD's 25481)."""
    return lib.snpm_cpu_sig(family, model, stepping)


def _sig_of(vcpu_type, vcpu_sig):
    if vcpu_sig is not None:
        return vcpu_sig
    if vcpu_type is None:
        return 0
    return _pick(CPU_TYPES, "vcpu_type", vcpu_type)


def _config(mode, vcpus, vcpu_type, vcpu_sig, guest_features, vmm, vmm_version, snp_ovmf_hash,
            vars_size, igvm_loader):
    cfg = _lib.init(_lib.MeasureConfig())
    cfg.mode = _pick(MODES, "mode", mode)
    cfg.vmm = _pick(VMMS, "vmm", vmm)
    cfg.vmm_version = vmm_version
    cfg.vcpus = vcpus
    cfg.vcpu_sig = _sig_of(vcpu_type, vcpu_sig)
    cfg.guest_features = guest_features
    cfg.vars_size = vars_size
    cfg.igvm_semantics = _pick(IGVM_LOADERS, "igvm_loader", igvm_loader)
    if snp_ovmf_hash is not None:
        digest = bytes.fromhex(snp_ovmf_hash) if isinstance(snp_ovmf_hash, str) else snp_ovmf_hash
        if len(digest) != _lib.LD_SIZE:
            raise SnpmError(-1, "snp_ovmf_hash: not a 48-byte digest")
        cfg.has_firmware_digest = True
        ctypes.memmove(cfg.firmware_digest, digest, _lib.LD_SIZE)
    return cfg


def _paths(ovmf, kernel, initrd, append, svsm, igvm):
    p = _lib.init(_lib.MeasurePaths())
    p.firmware = _path(ovmf)
    p.kernel = _path(kernel)
    p.initrd = _path(initrd)
    p.cmdline = append.encode() if append is not None else None
    p.svsm = _path(svsm)
    p.igvm = _path(igvm)
    return p


@dataclass(frozen=True)
class Launch:
    """One launch as the VMM describes it (the options of `snpmeasure`)."""
    mode: Union[str, int] = "snp"
    ovmf: Optional[PathLike] = None
    kernel: Optional[PathLike] = None
    initrd: Optional[PathLike] = None
    append: Optional[str] = None
    vcpus: int = 1
    vcpu_type: Optional[str] = None
    vcpu_sig: Optional[int] = None
    guest_features: int = 0x1
    vmm: Union[str, int] = "QEMU"
    vmm_version: int = 0
    snp_ovmf_hash: Optional[Union[str, bytes]] = None
    svsm: Optional[PathLike] = None
    vars_size: int = 0
    igvm: Optional[PathLike] = None
    igvm_loader: Union[str, int] = "qemu"
    krunfw: Optional[PathLike] = None  # libkrunfw-sev.so: libkrun's launch (vmm "krun")
    ram_mib: int = 2048  # libkrun: the guest's RAM

    def _cfg(self):
        return _config(self.mode, self.vcpus, self.vcpu_type, self.vcpu_sig,
                       self.guest_features, self.vmm, self.vmm_version, self.snp_ovmf_hash,
                       self.vars_size, self.igvm_loader)

    def _paths(self):
        return _paths(self.ovmf, self.kernel, self.initrd, self.append, self.svsm, self.igvm)


def _run_files(launch: Launch, cfg=None):
    """Reads the launch's files into cfg as snpm_measure_files() does, then measures."""
    cfg = cfg or launch._cfg()
    out = (ctypes.c_uint8 * _lib.LD_SIZE)()
    n = ctypes.c_size_t()
    err = _lib.Error()
    err.raise_if(lib.snpm_measure_files(ctypes.byref(cfg), ctypes.byref(launch._paths()),
                                        ctypes.cast(out, ctypes.c_void_p), ctypes.byref(n),
                                        ctypes.byref(err)))
    return bytes(out[:n.value])


def _krun_pieces(launch: Launch, cfg):
    """libkrun's launch: qboot, kernel and initrd where libkrunfw keeps them (its ELF symbols),
    as snpmeasure --krunfw reads them; returns the bytes cfg borrows."""
    k = _lib.Krunfw()
    err = _lib.Error()
    err.raise_if(lib.snpm_krunfw_inspect(_path(launch.krunfw), ctypes.byref(k),
                                         ctypes.byref(err)))
    if not k.has_kernel_gpa:
        raise SnpmError(-3, "%s: the kernel's load address is not in krunfw_get_kernel"
                        % os.fspath(launch.krunfw))
    data = open(launch.krunfw, "rb").read()
    keep = []
    for member, off, size in (("krun_qboot", k.qboot_offset, k.qboot_size),
                              ("krun_kernel", k.kernel_offset, k.kernel_size),
                              ("krun_initrd", k.initrd_offset, k.initrd_size)):
        piece = data[off:off + size]
        if len(piece) != size:
            raise SnpmError(-2, "%s: a piece reaches past the file" % os.fspath(launch.krunfw))
        keep.append(piece)
        src = getattr(cfg, member)
        src.data, src.size = _lib.buf(piece), size
    cfg.loader = _lib.LOADER_KRUN
    cfg.krun_kernel_gpa = k.kernel_gpa
    cfg.krun_ram_mib = launch.ram_mib
    return keep


def measure(launch: Optional[Launch] = None, **kwargs) -> bytes:
    """The launch digest (48 bytes for SNP, 32 for SEV and SEV-ES)."""
    launch = launch or Launch(**kwargs)
    if launch.krunfw is None:
        return _run_files(launch)
    out = (ctypes.c_uint8 * _lib.LD_SIZE)()
    n = ctypes.c_size_t()
    err = _lib.Error()
    with _Inputs(launch) as cfg:
        err.raise_if(lib.snpm_measure(ctypes.byref(cfg), ctypes.cast(out, ctypes.c_void_p),
                                      ctypes.byref(n), ctypes.byref(err)))
    return bytes(out[:n.value])


def firmware_digest(ovmf: PathLike) -> bytes:
    """The SNP digest of the firmware's pages alone (snp:ovmf-hash, calc_snp_ovmf_hash)."""
    data = open(ovmf, "rb").read()
    out = (ctypes.c_uint8 * _lib.LD_SIZE)()
    err = _lib.Error()
    err.raise_if(lib.snpm_measure_firmware(_lib.buf(data), len(data),
                                           ctypes.cast(out, ctypes.c_void_p), ctypes.byref(err)))
    return bytes(out)


PHASES = {1: "seed", 2: "firmware", 3: "svsm", 4: "section", 5: "kernel_hashes", 6: "vmsa",
          7: "igvm", 8: "krun"}


@dataclass(frozen=True)
class Step:
    """One update of the measurement (explain): what, where, and the digest after it."""
    phase: str
    index: int
    page_type: int
    gpa: int
    length: int
    contents: bytes
    digest: bytes
    what: Optional[str]


class _Inputs:
    """The launch's files read once by the library (snpm_measure_inputs_open), for the calls that
    measure more than once; on leaving, a file read at offsets that changed meanwhile is an
    error. libkrun's pieces are read here: libkrunfw is inspected by the library, not opened."""

    def __init__(self, launch: Launch):
        self.launch, self.handle, self.keep = launch, ctypes.c_void_p(), []

    def __enter__(self):
        cfg = self.launch._cfg()
        if self.launch.krunfw is not None:
            self.keep = _krun_pieces(self.launch, cfg)
            return cfg
        out = _lib.init(_lib.MeasureConfig())
        err = _lib.Error()
        err.raise_if(lib.snpm_measure_inputs_open(ctypes.byref(cfg),
                                                  ctypes.byref(self.launch._paths()),
                                                  ctypes.byref(out), ctypes.byref(self.handle),
                                                  ctypes.byref(err)))
        return out

    def __exit__(self, kind, value, tb):
        try:
            if kind is None and self.handle:
                err = _lib.Error()
                err.raise_if(lib.snpm_measure_inputs_check(self.handle, ctypes.byref(err)))
        finally:
            lib.snpm_measure_inputs_free(self.handle)
            self.handle = ctypes.c_void_p()
        return False


def explain(launch: Optional[Launch] = None, **kwargs) -> List[Step]:
    """Every step of the measurement in order; the last step's digest is the measurement."""
    launch = launch or Launch(**kwargs)
    steps: List[Step] = []

    def on_event(_arg, ev):
        e = ev.contents
        steps.append(Step(PHASES.get(e.phase, str(e.phase)), e.index, e.page_type, e.gpa,
                          e.length, bytes(e.contents), bytes(e.digest),
                          e.what.decode() if e.what else None))

    callback = _lib.TRACE_FN(on_event)
    out = (ctypes.c_uint8 * _lib.LD_SIZE)()
    n = ctypes.c_size_t()
    err = _lib.Error()
    with _Inputs(launch) as cfg:
        err.raise_if(lib.snpm_measure_trace(ctypes.byref(cfg), callback, None,
                                            ctypes.cast(out, ctypes.c_void_p), ctypes.byref(n),
                                            ctypes.byref(err)))
    return steps


def dump_vmsas(launch: Optional[Launch] = None, **kwargs) -> List[bytes]:
    """The VMSA page of each vCPU, as measured (--dump-vmsa)."""
    launch = launch or Launch(**kwargs)
    pages = []
    with _Inputs(launch) as cfg:
        for i in range(launch.vcpus):
            page = (ctypes.c_uint8 * _lib.PAGE_SIZE)()
            err = _lib.Error()
            err.raise_if(lib.snpm_measure_vmsa(ctypes.byref(cfg), i,
                                               ctypes.cast(page, ctypes.c_void_p),
                                               ctypes.byref(err)))
            pages.append(bytes(page))
    return pages


@dataclass(frozen=True)
class Row:
    """One configuration of a sweep and its measurement."""
    vmm: str
    vcpu_sig: int
    guest_features: int
    vcpus: int
    measurement: bytes


def sweep(launch: Optional[Launch] = None, *, vcpus: Sequence[int] = (1,),
          vcpu_types: Optional[Sequence[str]] = None, vcpu_sigs: Optional[Sequence[int]] = None,
          guest_features: Sequence[int] = (0x1,), vmms: Sequence[str] = ("QEMU",),
          **kwargs) -> List[Row]:
    """The measurement of every combination (order: VMM, signature, features, vCPUs), the
    firmware hashed once (snpm_sweep)."""
    launch = launch or Launch(**kwargs)
    sigs = list(vcpu_sigs or []) + [_pick(CPU_TYPES, "vcpu_type", t) for t in (vcpu_types or [])]
    if not sigs:
        sigs = [_sig_of(launch.vcpu_type or "EPYC-v4", launch.vcpu_sig)]
    arrays = (
        (ctypes.c_uint32 * len(vcpus))(*sorted(set(vcpus))),
        (ctypes.c_uint32 * len(sigs))(*sigs),
        (ctypes.c_uint64 * len(guest_features))(*guest_features),
        (ctypes.c_int * len(vmms))(*[_pick(VMMS, "vmm", v) for v in vmms]),
    )
    space = _lib.init(_lib.SweepSpace())
    space.vcpus, space.n_vcpus = ctypes.cast(arrays[0], ctypes.POINTER(ctypes.c_uint32)), len(set(vcpus))
    space.vcpu_sigs, space.n_vcpu_sigs = ctypes.cast(arrays[1], ctypes.POINTER(ctypes.c_uint32)), len(sigs)
    space.guest_features = ctypes.cast(arrays[2], ctypes.POINTER(ctypes.c_uint64))
    space.n_guest_features = len(guest_features)
    space.vmms, space.n_vmms = ctypes.cast(arrays[3], ctypes.POINTER(ctypes.c_int)), len(vmms)
    rows: List[Row] = []

    def on_row(_arg, row):
        r = row.contents
        rows.append(Row(_VMM_OF.get(r.vmm, str(r.vmm)), r.vcpu_sig, r.guest_features, r.vcpus,
                        bytes(r.digest[:r.digest_len])))
        return 0

    callback = _lib.SWEEP_FN(on_row)
    err = _lib.Error()
    with _Inputs(launch) as cfg:
        err.raise_if(lib.snpm_sweep(ctypes.byref(cfg), ctypes.byref(space), callback, None,
                                    ctypes.byref(err)))
    return rows


def match(measurement: bytes, launch: Optional[Launch] = None, **kwargs) -> List[Row]:
    """The configurations of the space that give measurement."""
    return [r for r in sweep(launch, **kwargs) if r.measurement == measurement]


def diagnose(*, measurement: Optional[bytes] = None, report: Optional[PathLike] = None,
             args: Sequence[str] = (), depth: int = 2) -> dict:
    """Why a measurement is not the one a configuration gives: snpmeasure diagnose's answer
    (its JSON). The search lives in the command-line tool, which this runs ($SNPMEASURE_CLI,
    else snpmeasure on the PATH); args are its measurement options (["--ovmf", "OVMF.fd", ...]).
    Exit 3 (nothing explains it) is an answer, not an error."""
    cli = os.environ.get("SNPMEASURE_CLI") or shutil.which("snpmeasure")
    if not cli:
        raise SnpmError(-5, "diagnose: the snpmeasure command is not installed")
    argv = [cli, "diagnose", "--json", "--depth", str(depth), *args]
    if measurement is not None:
        argv += ["--measurement", measurement.hex()]
    if report is not None:
        argv += ["--report", os.fspath(report)]
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode not in (0, 3):
        raise SnpmError(-1, p.stderr.strip().splitlines()[-1] if p.stderr else "diagnose failed")
    return json.loads(p.stdout)


# ---- firmware ----

@dataclass(frozen=True)
class Section:
    gpa: int
    size: int
    type: int
    type_name: str


@dataclass(frozen=True)
class Entry:
    guid: str
    offset: int
    length: int


@dataclass(frozen=True)
class OvmfInfo:
    """What a firmware image holds (snpmeasure ovmf)."""
    size: int
    entries: List[Entry]
    sections: List[Section]
    reset_eip: Optional[int]
    hashes_table_gpa: Optional[int]
    hashes_table_size: Optional[int]
    svsm_info_offset: Optional[int]


def ovmf_info(image: Union[PathLike, bytes]) -> OvmfInfo:
    data = image if isinstance(image, (bytes, bytearray)) else open(image, "rb").read()
    info = _lib.OvmfInfo()
    err = _lib.Error()
    err.raise_if(lib.snpm_ovmf_parse(_lib.buf(bytes(data)), len(data), ctypes.byref(info),
                                     ctypes.byref(err)))
    entries = []
    for i in range(info.n_entries):
        g = ctypes.create_string_buffer(40)
        lib.snpm_guid_format(ctypes.cast(info.entries[i].guid, ctypes.c_void_p), g)
        entries.append(Entry(g.value.decode(), info.entries[i].data_offset,
                             info.entries[i].data_len))
    sections = [Section(s.gpa, s.size, s.type,
                        (lib.snpm_section_type_name(s.type) or b"?").decode())
                for s in info.sections[:info.n_sections]]
    return OvmfInfo(info.size, entries, sections,
                    info.reset_eip if info.has_reset_eip else None,
                    info.hashes_table_gpa if info.has_hashes_table else None,
                    info.hashes_table_size if info.has_hashes_table else None,
                    info.svsm_info_offset if info.has_svsm_info else None)


# ---- reports ----

def report_fields(report: bytes) -> Dict[str, Union[int, bytes]]:
    """Every field of a 1184-byte report at the offsets of the library's field table: numbers
    (1, 4 or 8 bytes, little-endian) as int, the rest as bytes. Derived fields are left out."""
    if len(report) != _lib.REPORT_SIZE:
        raise SnpmError(-2, "a report is 1184 bytes, not %d" % len(report))
    n = ctypes.c_size_t()
    table = lib.snpm_report_fields(ctypes.byref(n))
    out: Dict[str, Union[int, bytes]] = {}
    for i in range(n.value):
        f = table[i]
        if f.size == 0:
            continue
        raw = report[f.offset:f.offset + f.size]
        out[f.name.decode()] = int.from_bytes(raw, "little") if f.size in (1, 2, 4, 8) else raw
    return out


def _certs(vcek=None, ask=None, ark=None, chain=None, keep=None):
    c = _lib.init(_lib.CertInput())
    for name, value in (("vcek", vcek), ("ask", ask), ("ark", ark), ("chain", chain)):
        if value is None:
            continue
        data = value if isinstance(value, (bytes, bytearray)) else open(value, "rb").read()
        keep.append(data)
        setattr(c, name, _lib.buf(bytes(data)))
        setattr(c, name + "_len", len(data))
    return c


def report_verify(report: bytes, *, vcek, ask=None, ark=None, chain=None, now: int = 0,
                  trust_root=None) -> None:
    """Raises SnpmError (EVERIFY) unless the report verifies up to an AMD root (or trust_root,
    never for production) at now (seconds since the epoch; 0: the clock)."""
    keep: list = []
    certs = _certs(vcek, ask, ark, chain, keep)
    root = trust_root if trust_root is None or isinstance(trust_root, bytes) else \
        open(trust_root, "rb").read()
    result = ctypes.create_string_buffer(1 << 16)  # larger than struct snpm_verify_result
    err = _lib.Error()
    err.raise_if(lib.snpm_report_verify_at(_lib.buf(bytes(report)), ctypes.byref(certs), now,
                                           _lib.buf(root), len(root) if root else 0, result,
                                           ctypes.byref(err)))


@dataclass(frozen=True)
class Rule:
    name: str
    status: str  # "pass", "fail", "skipped"
    expected: str
    found: str
    why: str


@dataclass(frozen=True)
class Appraisal:
    passed: bool
    rules: List[Rule] = field(default_factory=list)


_STATUS = {0: "pass", 1: "fail", 2: "skipped"}


class Policy:
    """An appraisal policy (snpmeasure-policy(5)) from a dict, JSON text or a file; the
    measurements a bundle manifest or a reference-value file it names are read into it
    (relative to the policy file, or to base)."""

    def __init__(self, policy: Union[dict, str, PathLike], base: Optional[PathLike] = None):
        if isinstance(policy, dict):
            text, where = json.dumps(policy), base or "."
        elif isinstance(policy, str) and policy.lstrip().startswith("{"):
            text, where = policy, base or "."
        else:
            text = open(policy).read()
            where = base or os.path.dirname(os.fspath(policy)) or "."
        self._p = ctypes.c_void_p()
        err = _lib.Error()
        err.raise_if(lib.snpm_policy_parse(text.encode(), ctypes.byref(self._p),
                                           ctypes.byref(err)))
        try:
            self._add_files(os.fspath(where))
        except BaseException:
            self.close()
            raise

    def _add_files(self, where):
        manifest = lib.snpm_policy_manifest(self._p)
        if manifest:
            self._add_manifest(os.path.join(where, manifest.decode()))
        path, kind, key = ctypes.c_char_p(), ctypes.c_int(), ctypes.c_char_p()
        if lib.snpm_policy_refvals(self._p, ctypes.byref(path), ctypes.byref(kind),
                                   ctypes.byref(key)):
            data = open(os.path.join(where, path.value.decode()), "rb").read()
            pem = open(os.path.join(where, key.value.decode()), "rb").read() if key.value \
                else None
            f = ctypes.c_void_p()
            err = _lib.Error()
            err.raise_if(lib.snpm_refvals_read(_lib.buf(data), len(data), pem,
                                               len(pem) if pem else 0, ctypes.byref(f),
                                               ctypes.byref(err)))
            try:
                err.raise_if(lib.snpm_policy_add_refvals(self._p, f, ctypes.byref(err)))
            finally:
                lib.snpm_refvals_file_free(f)

    def _add_manifest(self, manifest):
        failure = []

        def on_row(_arg, m, _row):
            err = _lib.Error()
            if lib.snpm_policy_add_measurement(self._p, ctypes.cast(m, ctypes.c_void_p),
                                               ctypes.byref(err)) < 0:
                failure.append(err)
                return 1
            return 0

        err = _lib.Error()
        err.raise_if(lib.snpm_bundle_measurements(os.fsencode(manifest), _lib.BUNDLE_FN(on_row),
                                                  None, ctypes.byref(err)))
        if failure:
            failure[0].raise_if(failure[0].code)

    def close(self):
        if self._p:
            lib.snpm_policy_free(self._p)
            self._p = ctypes.c_void_p()

    def __del__(self):
        self.close()


def appraise(report: bytes, policy: Union[Policy, dict, str, PathLike], *, vcek=None,
             certs: Optional[Union[bytes, PathLike]] = None, ask=None, ark=None, chain=None,
             crl=None, now: int = 0, trust_root=None) -> Appraisal:
    """What a KMS decides (report appraise): verification, then every rule of the policy."""
    if not isinstance(policy, Policy):
        policy = Policy(policy)
    keep: list = []
    coll = _lib.init(_lib.Collateral())
    if certs is not None:
        table = certs if isinstance(certs, bytes) else open(certs, "rb").read()
        keep.append(table)
        coll.certs.size = ctypes.sizeof(_lib.CertInput)
        err = _lib.Error()
        err.raise_if(lib.snpm_cert_table_parse(_lib.buf(table), len(table),
                                               ctypes.byref(coll.certs), ctypes.byref(err)))
    else:
        coll.certs = _certs(vcek, ask, ark, chain, keep)
    if crl is not None:
        data = crl if isinstance(crl, bytes) else open(crl, "rb").read()
        keep.append(data)
        coll.crl, coll.crl_len = _lib.buf(data), len(data)
    coll.now = now
    root = trust_root if trust_root is None or isinstance(trust_root, bytes) else \
        open(trust_root, "rb").read()
    # The struct ends with a verification result this module does not read: the buffer is
    # the head's size and far more.
    raw = ctypes.create_string_buffer(ctypes.sizeof(_lib.AppraisalHead) + (1 << 16))
    err = _lib.Error()
    err.raise_if(lib.snpm_appraise_with_root(None, _lib.buf(bytes(report)), policy._p,
                                             ctypes.byref(coll), _lib.buf(root),
                                             len(root) if root else 0, raw, ctypes.byref(err)))
    head = _lib.AppraisalHead.from_buffer(raw)
    rules = [Rule(r.name.decode(), _STATUS.get(r.status, str(r.status)),
                  r.expected.decode(), r.found.decode(), r.why.decode())
             for r in head.rules[:head.n]]
    return Appraisal(bool(head.passed), rules)


# ---- keys and ID blocks ----

def key_digest(pem: Union[bytes, str, PathLike]) -> bytes:
    """The SHA-384 a report carries in ID_KEY_DIGEST or AUTHOR_KEY_DIGEST for a P-384 key."""
    data = _pem(pem)
    out = (ctypes.c_uint8 * _lib.SHA384_SIZE)()
    err = _lib.Error()
    err.raise_if(lib.snpm_key_digest(data, len(data), ctypes.cast(out, ctypes.c_void_p),
                                     ctypes.byref(err)))
    return bytes(out)


def _pem(pem):
    if isinstance(pem, bytes):
        return pem
    if isinstance(pem, str) and pem.startswith("-----BEGIN"):
        return pem.encode()
    return open(pem, "rb").read()


@dataclass(frozen=True)
class IdBlock:
    block: bytes  # 96 bytes, QEMU's id-block
    auth: bytes  # 4096 bytes, QEMU's id-auth
    id_key_digest: bytes
    author_key_digest: bytes


def id_block(measurement: bytes, id_key, author_key, *, family_id: bytes = bytes(16),
             image_id: bytes = bytes(16), guest_svn: int = 0, policy: int = 0x30000) -> IdBlock:
    """An SNP ID block and its authentication structure, signed with the two P-384 keys."""
    params = _lib.init(_lib.IdBlockParams())
    ctypes.memmove(params.measurement, measurement, _lib.LD_SIZE)
    ctypes.memmove(params.family_id, family_id, 16)
    ctypes.memmove(params.image_id, image_id, 16)
    params.guest_svn, params.policy = guest_svn, policy
    idk, auk = _pem(id_key), _pem(author_key)
    outs = [(ctypes.c_uint8 * n)() for n in (_lib.ID_BLOCK_SIZE, _lib.ID_AUTH_SIZE,
                                              _lib.SHA384_SIZE, _lib.SHA384_SIZE)]
    err = _lib.Error()
    err.raise_if(lib.snpm_id_block_create(ctypes.byref(params), idk, len(idk), auk, len(auk),
                                          *[ctypes.cast(o, ctypes.c_void_p) for o in outs],
                                          ctypes.byref(err)))
    return IdBlock(*[bytes(o) for o in outs])
