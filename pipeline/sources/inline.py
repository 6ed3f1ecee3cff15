"""Inline (base64) images, parked in Redis between the API and the worker.

A job row names its image by URI, and that row is indexed and read on every claim: a
`base64://` payload of megabytes does not belong there (PostgreSQL refuses index rows over
8 kB). The API parks the payload in the broker's Redis under a fresh id for at most
`FACEPIPE_API_INLINE_TTL` seconds and records `inline://<id>`; the worker reads it back and
deletes it once the job is final (`discard`), so Redis holds only payloads still needed.
Past the TTL the job fails with 410 InlineImageExpired, stored like any other failure.
"""

from __future__ import annotations

import logging
import uuid
from functools import cached_property
from typing import Final, cast

import redis

from pipeline.broker import redis_py_url
from pipeline.errors import InlineImageExpiredError, InvalidRequestError, SourceUnavailableError
from pipeline.sources.base import ImageRef
from pipeline.sources.local import decode_base64

logger = logging.getLogger(__name__)

INLINE_PREFIX: Final = "inline://"
KEY_PREFIX: Final = "facepipe:inline:"


def parking() -> tuple[str, str]:
    """A fresh `inline://` URI for one payload and the Redis key to park it under.

    One id per request, not per content: each job deletes its own payload when it is done.
    """
    parked = uuid.uuid4().hex
    return INLINE_PREFIX + parked, KEY_PREFIX + parked


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
        try:
            # redis-py's stubs type a sync client's reply as possibly awaitable.
            payload = cast("bytes | None", self.client.get(_key(ref)))
        except redis.RedisError as exc:
            raise SourceUnavailableError(
                f"Redis did not answer for an inline image: {exc}"
            ) from exc
        if payload is None:
            raise InlineImageExpiredError(
                "the inline image was not processed before it expired (FACEPIPE_API_INLINE_TTL)"
            )
        return decode_base64(payload.decode("ascii", errors="replace"))

    def discard(self, ref: ImageRef) -> None:
        """Delete the parked payload of a finished job (it expires anyway if this fails)."""
        try:
            self.client.delete(_key(ref))
        except redis.RedisError:
            logger.warning("could not delete the inline payload %s; it expires", ref.uri)


def is_inline(ref: ImageRef) -> bool:
    return ref.uri.startswith(INLINE_PREFIX)


def _key(ref: ImageRef) -> str:
    return KEY_PREFIX + ref.uri.removeprefix(INLINE_PREFIX)
