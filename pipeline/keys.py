"""API keys, and the check of a signed request against them.

A key is an `AppKey` (public id) with an `AppSecret`. The secret is derived from the
service's master key (`FACEPIPE_API_MASTER_KEY`) and the AppKey, so the store keeps only its
SHA-256: a copy of the database signs nothing. The per-key webhook secret (Standard Webhooks)
is derived the same way.

The signature schemes are in `pipeline.signatures`. A request's time further than its
scheme's window from the server's clock is refused, so a captured request cannot be replayed
later; within that window, `Caller.replay_token` lets the service refuse a second use of the
same nonce (`pipeline.api.gate`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from pipeline.errors import (
    SignatureMismatchError,
    StaleRequestError,
    UnauthorizedError,
    UnknownKeyError,
)
from pipeline.signatures import Scheme, SignedRequest, read_signature
from pipeline.store import ApiKeyRecord, ApiKeys


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
    # Seconds the request's time may be off, so how long its replay token must be kept.
    replay_window: float = 0.0


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
        request: SignedRequest,
        *,
        max_age: Mapping[Scheme, float],
        now: float | None = None,
    ) -> Caller:
        """The caller of a signed request, or an `UnauthorizedError` saying what is wrong.

        `max_age` is each scheme's window: how far the request's time may be from `now`.
        """
        now = time.time() if now is None else now
        signature = read_signature(request)
        window = max_age[signature.scheme]
        if abs(now - signature.issued_at) > window:
            raise StaleRequestError(
                f"stale request time: {abs(now - signature.issued_at):.0f} s from the "
                f"server's clock (at most {window:.0f} s)"
            )
        record = self._active(signature.key_id)
        secret = self.secret(signature.key_id)
        if not hmac.compare_digest(_sha256(secret), record.secret_hash):
            raise UnknownKeyError(f"key {signature.key_id!r} was made with another master key")
        expected = signature.expected(secret)
        # Header values may hold any byte; compare_digest takes only ASCII strings.
        given = signature.given
        if not given.isascii() or not hmac.compare_digest(given, expected):
            raise SignatureMismatchError("signature mismatch")
        return Caller(
            signature.key_id,
            record.account_id,
            admin=record.admin,
            replay_token=signature.nonce or expected,
            nonce=bool(signature.nonce),
            replay_window=window,
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
            raise UnknownKeyError(f"unknown or revoked key {key_id!r}")
        return record


def _derive(master: bytes, purpose: str, key_id: str) -> bytes:
    return hmac.new(master, f"{purpose}:{key_id}".encode(), hashlib.sha256).digest()


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
