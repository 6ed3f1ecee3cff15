"""What a signature scheme reads from a request, and what it finds there."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote_plus

Scheme = Literal["facepipe", "ctyun", "acs-roa", "acs-rpc"]


@dataclass(frozen=True)
class SignedRequest:
    """A request as its signature covers it.

    `headers` are looked up by lower-case name; `query` is the raw query string (still
    percent-encoded), `body` the exact bytes received.
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes

    @property
    def target(self) -> str:
        """The path with its raw query, as the client sent them."""
        return self.path + (f"?{self.query}" if self.query else "")

    def query_pairs(self) -> list[tuple[str, str | None]]:
        """The decoded query parameters in their order; a key without `=` has value None."""
        pairs: list[tuple[str, str | None]] = []
        for part in self.query.split("&"):
            if not part:
                continue
            key, equals, value = part.partition("=")
            pairs.append((unquote_plus(key), unquote_plus(value) if equals else None))
        return pairs

    def query_keys(self) -> set[str]:
        """The names of the query parameters."""
        return {key for key, _ in self.query_pairs()}


@dataclass(frozen=True)
class Signature:
    """A signature found in a request, before its key's secret is known.

    `expected(secret)` is the signature that secret gives this request; the request is
    authentic when it equals `given`. `nonce` is the client's one-time value, if any.
    """

    scheme: Scheme
    key_id: str
    issued_at: float
    given: str
    expected: Callable[[str], str]
    nonce: str = ""
