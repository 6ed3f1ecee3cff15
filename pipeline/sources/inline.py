"""Inline (base64) images, parked in Redis between the API and the worker.

A job row names its image by URI, and that row is indexed and read on every claim: a
`base64://` payload of megabytes does not belong there (PostgreSQL refuses index rows over
8 kB). The API parks the payload in the broker's Redis under its sha256 for
`FACEPIPE_API_INLINE_TTL` seconds and records `inline://<sha256>`; the worker reads it back.
Past the TTL the job fails with 410 InlineImageExpired, stored like any other failure.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from typing import Final, cast

import redis

from pipeline.errors import InlineImageExpiredError, InvalidRequestError, SourceUnavailableError
from pipeline.notices import redis_py_url
from pipeline.sources.base import ImageRef
from pipeline.sources.local import decode_base64

INLINE_PREFIX: Final = "inline://"
KEY_PREFIX: Final = "facepipe:inline:"


def parking(payload: str) -> tuple[str, str]:
    """The `inline://` URI for a base64 payload and the Redis key it is parked under."""
    digest = hashlib.sha256(payload.encode("ascii", errors="replace")).hexdigest()
    return INLINE_PREFIX + digest, KEY_PREFIX + digest


class InlineFetcher:
    """The `Fetcher` for `inline://`: the parked payload, decoded."""

    def __init__(self, broker_url: str | None) -> None:
        self.broker_url = broker_url

    @cached_property
    def client(self) -> redis.Redis:
        if self.broker_url is None:
            raise InvalidRequestError("inline:// images need the broker (FACEPIPE_BROKER_URL)")
        return redis.Redis.from_url(redis_py_url(self.broker_url))

    def fetch(self, ref: ImageRef) -> bytes:
        digest = ref.uri.removeprefix(INLINE_PREFIX)
        try:
            # redis-py's stubs type a sync client's reply as possibly awaitable.
            payload = cast("bytes | None", self.client.get(KEY_PREFIX + digest))
        except redis.RedisError as exc:
            raise SourceUnavailableError(
                f"Redis did not answer for an inline image: {exc}"
            ) from exc
        if payload is None:
            raise InlineImageExpiredError(
                "the inline image was not processed before it expired (FACEPIPE_API_INLINE_TTL)"
            )
        return decode_base64(payload.decode("ascii", errors="replace"))
