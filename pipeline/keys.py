"""API keys and request signatures.

A key is an `AppKey` (public id) with an `AppSecret`. The secret is derived from the
service's master key (`FACEPIPE_API_MASTER_KEY`) and the AppKey, so the store keeps only its
SHA-256: a copy of the database signs nothing. The per-key webhook secret (Standard Webhooks)
is derived the same way.

Two request signatures are accepted:

* facepipe's: headers `X-Facepipe-Key`, `X-Facepipe-Timestamp` (Unix seconds) and
  `X-Facepipe-Signature` = hex HMAC-SHA256(AppSecret, METHOD \\n PATH?QUERY \\n TIMESTAMP \\n
  sha256_hex(BODY) [\\n NONCE]), the nonce being the optional `X-Facepipe-Nonce` header;
  `signed_headers` computes them for clients.
* ctyun's (docs/api.md): headers `AppKey`, `Timestamp` (13-digit ms) and
  `Sign` = md5_hex(AppKey + AppSecret + Timestamp + PATH?QUERY + Body). The documented
  scheme signs the path only; facepipe signs the query too (which selects e.g. the answer's
  dialect), which is the same string for the documented routes, which take no query.

A timestamp further than `max_age` from the server's clock is refused, so a captured request
cannot be replayed later; within that window, `Caller.replay_token` lets the service refuse a
second use of the same nonce (`pipeline.api.gate`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.errors import UnauthorizedError
from pipeline.store import ApiKeyRecord, ApiKeys

MAX_STAMP_DIGITS = 13


@dataclass(frozen=True)
class Credentials:
    """What `facepipe keys create` prints once: everything a client and a receiver need."""

    key_id: str
    account_id: str
    secret: str
    webhook_secret: str


@dataclass(frozen=True)
class Caller:
    """An authenticated request's key."""

    key_id: str
    account_id: str
    # Reads every job, also those no key submitted (backfills, queue-fed triggers).
    admin: bool = False
    # What makes this signed request unique (its nonce, else its signature), for a replay
    # cache; None for fixed bearer tokens, which are not signatures of one request.
    replay_token: str | None = None
    # True when the client sent a nonce: the service then always refuses its reuse.
    nonce: bool = False


class KeyRing:
    """Creates, revokes and checks keys; needs the master key they are derived from."""

    def __init__(self, keys: ApiKeys, master_key: str) -> None:
        if len(master_key) < 16:
            raise ValueError("the API master key must be at least 16 characters")
        self._keys = keys
        self._master = master_key.encode()

    def create(
        self, account_id: str, name: str | None = None, *, admin: bool = False
    ) -> Credentials:
        key_id = "fp" + secrets.token_hex(11)
        secret = self.secret(key_id)
        self._keys.add(
            key_id, account_id=account_id, name=name, secret_hash=_sha256(secret), admin=admin
        )
        return Credentials(key_id, account_id, secret, self.webhook_secret(key_id))

    def secret(self, key_id: str) -> str:
        return _derive(self._master, "app-secret", key_id).hex()

    def webhook_secret(self, key_id: str) -> str:
        """`whsec_...`, the form Standard Webhooks libraries take."""
        raw = _derive(self._master, "webhook-secret", key_id)
        return "whsec_" + base64.b64encode(raw).decode()

    def revoke(self, key_id: str) -> bool:
        return self._keys.revoke(key_id)

    def list(self) -> list[ApiKeyRecord]:
        return self._keys.list()

    def authenticate(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        max_age: float,
        now: float | None = None,
    ) -> Caller:
        """The caller of a signed request, or `UnauthorizedError` saying what is wrong."""
        now = time.time() if now is None else now
        ctyun = "sign" in headers
        nonce = ""
        if ctyun:
            key_id, stamp = headers.get("appkey", ""), headers.get("timestamp", "")
            given = headers["sign"].lower()
            seconds = _parse_stamp(stamp, milliseconds=True)
        elif "x-facepipe-signature" in headers:
            key_id, stamp = (
                headers.get("x-facepipe-key", ""),
                headers.get("x-facepipe-timestamp", ""),
            )
            given = headers["x-facepipe-signature"].lower()
            nonce = headers.get("x-facepipe-nonce", "")
            seconds = _parse_stamp(stamp, milliseconds=False)
        else:
            raise UnauthorizedError(
                "unsigned request: send X-Facepipe-Key, X-Facepipe-Timestamp and "
                "X-Facepipe-Signature (or ctyun's AppKey, Timestamp and Sign)"
            )
        if abs(now - seconds) > max_age:
            raise UnauthorizedError(
                f"stale timestamp: {abs(now - seconds):.0f} s from the server's clock "
                f"(at most {max_age:.0f} s)"
            )
        record = self._active(key_id)
        secret = self.secret(key_id)
        if not hmac.compare_digest(_sha256(secret), record.secret_hash):
            raise UnauthorizedError(f"key {key_id!r} was made with another master key")
        if ctyun:
            expected = ctyun_sign(key_id, secret, stamp, path, body)
        else:
            expected = facepipe_sign(secret, method, path, stamp, body, nonce=nonce)
        # Header values may hold any byte; compare_digest takes only ASCII strings.
        if not given.isascii() or not hmac.compare_digest(given, expected):
            raise UnauthorizedError("signature mismatch")
        return Caller(
            key_id,
            record.account_id,
            admin=record.admin,
            replay_token=nonce or expected,
            nonce=bool(nonce),
        )

    def authenticate_token(self, token: str) -> Caller:
        """A fixed `AppKey:AppSecret` token, for senders that cannot sign (bucket events)."""
        key_id, _, secret = token.partition(":")
        record = self._active(key_id)
        if not hmac.compare_digest(_sha256(secret), record.secret_hash):
            raise UnauthorizedError("wrong secret")
        return Caller(key_id, record.account_id, admin=record.admin)

    def _active(self, key_id: str) -> ApiKeyRecord:
        record = self._keys.get(key_id)
        if record is None or record.revoked_at is not None:
            raise UnauthorizedError(f"unknown or revoked key {key_id!r}")
        return record


def facepipe_sign(
    secret: str, method: str, path: str, timestamp: str, body: bytes, *, nonce: str = ""
) -> str:
    parts = [method.upper(), path, timestamp, hashlib.sha256(body).hexdigest()]
    if nonce:
        parts.append(nonce)
    message = "\n".join(parts)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def ctyun_sign(key_id: str, secret: str, timestamp: str, path: str, body: bytes) -> str:
    message = (key_id + secret + timestamp + path).encode() + body
    return hashlib.md5(message, usedforsecurity=False).hexdigest()


def signed_headers(
    key_id: str,
    secret: str,
    method: str,
    path: str,
    body: bytes,
    *,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The headers of a facepipe-signed request (`path` with its query string); with a
    `nonce`, the service refuses a second request carrying it."""
    stamp = str(int(time.time() if now is None else now))
    headers = {
        "X-Facepipe-Key": key_id,
        "X-Facepipe-Timestamp": stamp,
        "X-Facepipe-Signature": facepipe_sign(secret, method, path, stamp, body, nonce=nonce or ""),
    }
    if nonce:
        headers["X-Facepipe-Nonce"] = nonce
    return headers


def _derive(master: bytes, purpose: str, key_id: str) -> bytes:
    return hmac.new(master, f"{purpose}:{key_id}".encode(), hashlib.sha256).digest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _parse_stamp(stamp: str, *, milliseconds: bool) -> float:
    # ASCII digits only (str.isdigit also takes e.g. fullwidth digits), and no more than a
    # millisecond clock has until the year 2286.
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= MAX_STAMP_DIGITS):
        raise UnauthorizedError("the timestamp is not a Unix time in digits")
    return int(stamp) / 1000 if milliseconds else float(stamp)
