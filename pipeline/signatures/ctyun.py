"""ctyun's scheme (docs/api.md): headers `AppKey`, `Timestamp` (13-digit ms) and `Sign` =
md5_hex(AppKey + AppSecret + Timestamp + PATH?QUERY + Body).

The documented scheme signs the path only; facepipe signs the query too (it selects e.g. the
answer's dialect), which is the same string for the documented routes: they take no query.
"""

from __future__ import annotations

import hashlib

from pipeline.signatures.request import Signature, SignedRequest
from pipeline.signatures.stamps import unix_stamp


def sign(key_id: str, secret: str, timestamp: str, target: str, body: bytes) -> str:
    """The `Sign` header of a request to `target` (path and query)."""
    message = (key_id + secret + timestamp + target).encode() + body
    return hashlib.md5(message, usedforsecurity=False).hexdigest()


def read(request: SignedRequest) -> Signature:
    """The ctyun signature of `request`."""
    key_id = request.headers.get("appkey", "")
    stamp = request.headers.get("timestamp", "")
    return Signature(
        scheme="ctyun",
        key_id=key_id,
        issued_at=unix_stamp(stamp, milliseconds=True),
        given=request.headers["sign"].lower(),
        expected=lambda secret: sign(key_id, secret, stamp, request.target, request.body),
    )
