# SPDX-License-Identifier: Apache-2.0
"""Every call of the module against the command line on the same inputs, and its refusals."""
import json
import os
import subprocess

import pytest

import snpmeasure as sm
from conftest import REPO

AMDSEV = "sev-snp-measure/ovmf_AmdSev_suffix.bin"
GENOA = "reports/genoa-v3"


def run(cli, *args, status=0):
    p = subprocess.run([cli, *args], capture_output=True, text=True)
    assert p.returncode == status, p.stderr
    return p.stdout


def test_version_is_the_repository_s():
    assert sm.__version__ == (REPO / "VERSION").read_text().strip() == sm.version()


@pytest.mark.parametrize("mode,vcpus,cpu,vmm,features", [
    ("snp", 1, "EPYC-v4", "QEMU", 0x1), ("snp", 4, "EPYC-Milan", "ec2", 0x21),
    ("snp", 2, "EPYC-Genoa", "gce", 0x1), ("seves", 3, "EPYC-Rome", "QEMU", 0),
    ("sev", 1, "EPYC-v4", "QEMU", 0)])
def test_measure_as_the_cli(cli, fixture, tmp_path, mode, vcpus, cpu, vmm, features):
    kernel = tmp_path / "bzImage"
    kernel.write_bytes(b"\x55" * 100000)
    initrd = tmp_path / "initrd"
    initrd.write_bytes(b"\xaa" * 5000)
    args = dict(mode=mode, ovmf=fixture(AMDSEV), kernel=str(kernel), initrd=str(initrd),
                append="console=ttyS0", vcpus=vcpus, vcpu_type=cpu, vmm=vmm,
                guest_features=features)
    want = run(cli, "-q", "--mode", mode, "--ovmf", args["ovmf"], "--kernel", str(kernel),
               "--initrd", str(initrd), "--append", "console=ttyS0", "--vcpus", str(vcpus),
               "--vcpu-type", cpu, "--vmm-type", vmm, "--guest-features", hex(features)).strip()
    assert sm.measure(**args).hex() == want
    steps = sm.explain(**args)
    cli_steps = json.loads(run(cli, "explain", "--json", "--mode", mode, "--ovmf", args["ovmf"],
                               "--kernel", str(kernel), "--initrd", str(initrd), "--append",
                               "console=ttyS0", "--vcpus", str(vcpus), "--vcpu-type", cpu,
                               "--vmm-type", vmm, "--guest-features", hex(features)))["steps"]
    assert len(steps) == len(cli_steps)
    if mode == "snp":
        assert steps[-1].digest.hex() == want
        assert [s.gpa for s in steps] == [int(c["gpa"], 16) for c in cli_steps]


def test_sweep_and_match_as_the_cli(cli, fixture):
    rows = sm.sweep(ovmf=fixture(AMDSEV), vcpus=[1, 2, 3], vcpu_types=["EPYC-v4", "EPYC-Milan"],
                    vmms=["QEMU", "ec2"])
    csv = run(cli, "sweep", "--ovmf", fixture(AMDSEV), "--vcpus", "1-3", "--vcpu-type",
              "EPYC-v4,EPYC-Milan", "--vmm-type", "QEMU,ec2", "--csv").splitlines()[1:]
    assert [(r.vmm, r.vcpus, r.measurement.hex()) for r in rows] == \
        [(c.split(",")[0], int(c.split(",")[4]), c.split(",")[5]) for c in csv]
    hits = sm.match(rows[4].measurement, ovmf=fixture(AMDSEV), vcpus=range(1, 9),
                    vcpu_types=["EPYC-v4", "EPYC-Milan"], vmms=["QEMU", "ec2"])
    assert rows[4] in hits


def test_ovmf_as_the_cli(cli, fixture):
    info = sm.ovmf_info(fixture(AMDSEV))
    doc = json.loads(run(cli, "ovmf", fixture(AMDSEV), "--json"))
    assert info.size == doc["size"]
    assert [e.guid for e in info.entries] == [t["guid"] for t in doc["table"]]
    assert info.reset_eip == 0x80b004 and info.hashes_table_gpa == 0x810c00
    assert sm.firmware_digest(fixture(AMDSEV)).hex() == doc["snp_ovmf_hash"]


def test_report_as_the_cli(cli, fixture):
    raw = open(fixture(GENOA + "/report.bin"), "rb").read()
    fields = sm.report_fields(raw)
    doc = json.loads(run(cli, "report", "show", fixture(GENOA + "/report.bin"), "--json"))
    assert fields["version"] == doc["version"] and fields["guest_svn"] == doc["guest_svn"]
    assert fields["measurement"].hex() == doc["measurement"]
    assert fields["chip_id"].hex() == doc["chip_id"]
    with pytest.raises(sm.SnpmError) as e:
        sm.report_fields(raw[:100])
    assert e.value.name == "EMALFORMED"


def test_verify(fixture):
    raw = open(fixture(GENOA + "/report.bin"), "rb").read()
    sm.report_verify(raw, vcek=fixture(GENOA + "/vcek.pem"),
                     chain=fixture("reports/amd-roots/ask_ark_genoa.pem"), now=1798761600)
    with pytest.raises(sm.SnpmError) as e:  # another chip's VCEK
        sm.report_verify(raw, vcek=fixture("reports/milan-v2/vcek.der"), now=1798761600)
    assert e.value.name == "EVERIFY"


POLICY = {"allow_smt": True, "require_single_socket": False, "require_crl": False}


def test_appraise_as_the_cli(cli, fixture, tmp_path):
    raw = open(fixture(GENOA + "/report.bin"), "rb").read()
    fields = sm.report_fields(raw)
    policy = dict(POLICY, measurements=[fields["measurement"].hex()],
                  id_key_digests=[fields["id_key_digest"].hex()])
    (tmp_path / "policy.json").write_text(json.dumps(policy))
    a = sm.appraise(raw, policy, vcek=fixture(GENOA + "/vcek.pem"),
                    chain=fixture("reports/amd-roots/ask_ark_genoa.pem"), now=1798761600)
    doc = json.loads(run(cli, "report", "appraise", fixture(GENOA + "/report.bin"), "--policy",
                         str(tmp_path / "policy.json"), "--vcek", fixture(GENOA + "/vcek.pem"),
                         "--chain", fixture("reports/amd-roots/ask_ark_genoa.pem"), "--now",
                         "2027-01-01", "--json"))
    assert a.passed and doc["pass"]
    assert [(r.name, r.status) for r in a.rules] == [(r["rule"], r["result"]) for r in doc["rules"]]
    # a rule broken: the verdict fails on it
    b = sm.appraise(raw, dict(policy, host_data="00" * 31 + "01"),
                    vcek=fixture(GENOA + "/vcek.pem"),
                    chain=fixture("reports/amd-roots/ask_ark_genoa.pem"), now=1798761600)
    assert not b.passed
    assert [r.status for r in b.rules if r.name == "host_data"] == ["fail"]


def test_appraise_with_reference_values(cli, fixture, tmp_path):
    raw = open(fixture(GENOA + "/report.bin"), "rb").read()
    measurement = sm.report_fields(raw)["measurement"].hex()
    run(cli, "refvals", "--measurement", measurement, "--format", "rvps", "--min-tcb",
        "bootloader=11", "-o", str(tmp_path / "v.json"), "-q")
    (tmp_path / "policy.json").write_text(json.dumps(
        dict(POLICY, measurements={"rvps": "v.json", "unsigned": True}, require_id_block=False)))
    a = sm.appraise(raw, str(tmp_path / "policy.json"), vcek=fixture(GENOA + "/vcek.pem"),
                    chain=fixture("reports/amd-roots/ask_ark_genoa.pem"), now=1798761600)
    statuses = {r.name: r.status for r in a.rules}
    assert statuses["measurement"] == "pass" and statuses["min_tcb"] == "fail" and not a.passed
    with pytest.raises(sm.SnpmError) as e:  # the file pins a TCB the policy sets otherwise
        sm.Policy(dict(POLICY, measurements={"rvps": "v.json", "unsigned": True},
                       min_tcb={"bootloader": 3}), base=tmp_path)
    assert "minimum TCB" in e.value.message


def test_keys_and_id_block(cli, fixture):
    idk = fixture("sev-snp-measure/id_key_test.pem")
    auk = fixture("sev-snp-measure/author_key_test.pem")
    assert sm.key_digest(idk).hex() == run(cli, "key-digest", idk).strip()
    b = sm.id_block(bytes(range(48)), idk, auk, guest_svn=3)
    assert b.block[:48] == bytes(range(48)) and len(b.auth) == 4096
    assert b.id_key_digest == sm.key_digest(idk) and b.author_key_digest == sm.key_digest(auk)


def test_diagnose(cli, fixture):
    want = sm.measure(ovmf=fixture(AMDSEV), vcpus=3, vcpu_type="EPYC-v4")
    doc = sm.diagnose(measurement=want, args=["--ovmf", fixture(AMDSEV), "--vcpus", "2",
                                              "--vcpu-type", "EPYC-v4"])
    changes = doc["matches"][0]["changes"]
    assert changes[0]["option"] == "--vcpus" and changes[0]["found"] == "3"


def test_refusals(fixture, tmp_path):
    with pytest.raises(sm.SnpmError) as e:
        sm.measure(ovmf=str(tmp_path / "missing.fd"))
    assert "missing.fd" in e.value.message and e.value.name == "EIO"
    truncated = tmp_path / "short.fd"
    truncated.write_bytes(open(fixture(AMDSEV), "rb").read()[:100])
    with pytest.raises(sm.SnpmError):
        sm.measure(ovmf=str(truncated))
    with pytest.raises(sm.SnpmError) as e:
        sm.measure(ovmf=fixture(AMDSEV), vmm="bhyve")
    assert "bhyve" in e.value.message
    with pytest.raises(sm.SnpmError) as e:
        sm.Policy({"measurements": [], "no_such_key": 1})
    assert "no_such_key" in e.value.message
    with pytest.raises(sm.SnpmError):
        sm.key_digest(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


def test_krun_as_the_cli(cli):
    # libkrun's launch, from a libkrunfw-sev stand-in the build makes (tests/krunfw)
    lib = os.environ.get("SNPMEASURE_KRUNFW_STANDIN")
    assert lib and os.path.isfile(lib), "SNPMEASURE_KRUNFW_STANDIN names the stand-in"
    for mode, vcpus in (("snp", 2), ("sev", 1)):
        want = run(cli, "-q", "--mode", mode, "--vmm-type", "krun", "--krunfw", lib,
                   "--vcpus", str(vcpus), "--ram-mib", "1024").strip()
        got = sm.measure(mode=mode, vmm="krun", krunfw=lib, vcpus=vcpus, ram_mib=1024)
        assert got.hex() == want
    steps = sm.explain(mode="snp", vmm="krun", krunfw=lib, vcpus=2, ram_mib=1024)
    assert steps[-1].digest == sm.measure(mode="snp", vmm="krun", krunfw=lib, vcpus=2,
                                          ram_mib=1024)
