"""facepipe's own scheme: headers `X-Facepipe-Key`, `X-Facepipe-Timestamp` (Unix seconds)
and `X-Facepipe-Signature` = hex HMAC-SHA256(AppSecret, METHOD \\n PATH?QUERY \\n TIMESTAMP
\\n sha256_hex(BODY) [\\n NONCE]), the nonce being the optional `X-Facepipe-Nonce` header."""

from __future__ import annotations

import hashlib
import hmac
import time

from pipeline.signatures.request import Signature, SignedRequest
from pipeline.signatures.stamps import unix_stamp


def sign(
    secret: str, method: str, target: str, timestamp: str, body: bytes, *, nonce: str = ""
) -> str:
    """The signature of a request to `target` (path and query)."""
    parts = [method.upper(), target, timestamp, hashlib.sha256(body).hexdigest()]
    if nonce:
        parts.append(nonce)
    message = "\n".join(parts)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def read(request: SignedRequest) -> Signature:
    """The facepipe signature of `request`."""
    headers = request.headers
    stamp = headers.get("x-facepipe-timestamp", "")
    nonce = headers.get("x-facepipe-nonce", "")
    return Signature(
        scheme="facepipe",
        key_id=headers.get("x-facepipe-key", ""),
        issued_at=unix_stamp(stamp, milliseconds=False),
        given=headers["x-facepipe-signature"].lower(),
        expected=lambda secret: sign(
            secret, request.method, request.target, stamp, request.body, nonce=nonce
        ),
        nonce=nonce,
    )


def signed_headers(
    key_id: str,
    secret: str,
    method: str,
    target: str,
    body: bytes,
    *,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers of a facepipe-signed request to `target` (path with its query); with a
    `nonce`, the service refuses a second request carrying it."""
    stamp = str(int(time.time() if now is None else now))
    headers = {
        "X-Facepipe-Key": key_id,
        "X-Facepipe-Timestamp": stamp,
        "X-Facepipe-Signature": sign(secret, method, target, stamp, body, nonce=nonce or ""),
    }
    if nonce:
        headers["X-Facepipe-Nonce"] = nonce
    return headers
