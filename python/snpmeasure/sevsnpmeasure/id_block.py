# SPDX-License-Identifier: Apache-2.0
"""The reference's snp_calc_id_block: the same output text (QEMU's id-block= and id-auth=, then
the two key digests in base64), built and signed by libsnpmeasure."""
import base64

from .. import api as _api


def snp_calc_id_block(ld: bytes, idkey_file: str, authorkey_file: str) -> str:
    b = _api.id_block(ld, idkey_file, authorkey_file)
    return (f"id-block={base64.b64encode(b.block).decode()},"
            f"id-auth={base64.b64encode(b.auth).decode()}\n"
            f"id_key_hash: {base64.b64encode(b.id_key_digest).decode()}\n"
            f"author_key: {base64.b64encode(b.author_key_digest).decode()}")
