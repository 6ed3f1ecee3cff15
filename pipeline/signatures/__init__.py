"""The request signatures the HTTP service accepts. A request names its scheme by what it
carries; `read_signature` finds it, and `pipeline.keys.KeyRing` checks it with the key's
secret.

    request.py   SignedRequest (what a scheme reads) and Signature (what it found)
    facepipe.py  X-Facepipe-Key/-Timestamp/-Signature: HMAC-SHA256 (`signed_headers`)
    ctyun.py     AppKey/Timestamp/Sign: MD5, ctyun's documented scheme
    acs.py       Alibaba Cloud's two schemes, as their official SDKs sign: ROA
                 (`Authorization: acs KEY:SIG`, the Green API) and RPC (`Signature` in the
                 query, e.g. Cloudauth CompareFaces), both HMAC-SHA1

docs/api.md describes each scheme for clients; docs/migrating.md shows the SDK lines.
"""

from __future__ import annotations

from pipeline.errors import UnauthorizedError
from pipeline.signatures import acs, ctyun, facepipe
from pipeline.signatures.request import Scheme, Signature, SignedRequest


def read_signature(request: SignedRequest) -> Signature:
    """The signature a request carries, in whichever scheme it uses."""
    headers = request.headers
    if headers.get("authorization", "").startswith(acs.ROA_PREFIX):
        return acs.read_roa(request)
    if "sign" in headers:
        return ctyun.read(request)
    if "x-facepipe-signature" in headers:
        return facepipe.read(request)
    if "Signature" in request.query_keys():
        return acs.read_rpc(request)
    raise UnauthorizedError(
        "unsigned request: send X-Facepipe-Key, X-Facepipe-Timestamp and X-Facepipe-Signature, "
        "ctyun's AppKey, Timestamp and Sign, or sign it as an Alibaba Cloud SDK does"
    )


__all__ = ["Scheme", "Signature", "SignedRequest", "read_signature"]
