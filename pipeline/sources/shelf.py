"""Downloads waiting for their job's analysis, kept in the broker's Redis.

A user URL can take its whole 3 s budget, and a prefork worker process that waits for it
runs nothing else meanwhile: eight slow URLs would stall a whole analysis pool. So a job
whose images come from http(s) URLs is handed to the `fetch` queue first, whose workers
(a thread pool: downloads wait on the network, not the CPU) park the bytes here under the
job's task id; the analysis then reads them from the shelf (`over`) instead of the network,
and they are discarded when the job is final. A shelf entry expires after `ttl` seconds in
any case, and the analysis downloads an expired one again itself.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, TypeVar, cast
from urllib.parse import urlsplit

import redis

from pipeline.errors import SourceUnavailableError
from pipeline.sources.base import Fetcher, ImageRef

T = TypeVar("T")
logger = logging.getLogger(__name__)

KEY_PREFIX: Final = "facepipe:shelf:"
DOWNLOADED_SCHEMES: Final = ("http", "https")


def downloads(images: Iterable[ImageRef]) -> list[ImageRef]:
    """The images that come from user URLs (what the fetch stage downloads)."""
    return [ref for ref in images if urlsplit(ref.uri).scheme in DOWNLOADED_SCHEMES]


class Shelf:
    """Parked downloads per task id, in the broker's Redis (`client`)."""

    def __init__(self, client: redis.Redis, *, ttl: int) -> None:
        self.client = client
        self.ttl = ttl

    def park(self, task_id: str, ref: ImageRef, data: bytes) -> None:
        _answer(lambda: self.client.set(_key(task_id, ref), data, ex=self.ttl))

    def holds(self, task_id: str, refs: list[ImageRef]) -> bool:
        """Whether every one of `refs` is parked for `task_id`."""
        keys = [_key(task_id, ref) for ref in refs]
        # redis-py's stubs type a sync client's reply as possibly awaitable.
        return cast("int", _answer(lambda: self.client.exists(*keys))) == len(keys)

    def discard(self, task_id: str, refs: list[ImageRef]) -> None:
        """Drop a finished job's parked downloads; they expire anyway if Redis is away."""
        if refs:
            keys = [_key(task_id, ref) for ref in refs]
            try:
                self.client.delete(*keys)
            except redis.RedisError:
                logger.warning("could not drop job %s's parked downloads; they expire", task_id)

    def over(self, task_id: str, fetcher: Fetcher) -> Fetcher:
        """A fetcher that takes `task_id`'s parked downloads first, then `fetcher`."""
        return _ShelvedFirst(self, task_id, fetcher)

    def take(self, task_id: str, ref: ImageRef) -> bytes | None:
        """The parked bytes of `ref`, or None."""
        return cast("bytes | None", _answer(lambda: self.client.get(_key(task_id, ref))))


def _answer(command: Callable[[], T]) -> T:
    try:
        return command()
    except redis.RedisError as exc:
        raise SourceUnavailableError(f"the download shelf (Redis) did not answer: {exc}") from exc


@dataclass(frozen=True)
class _ShelvedFirst:
    shelf: Shelf
    task_id: str
    fallback: Fetcher

    def fetch(self, ref: ImageRef) -> bytes:
        parked = self.shelf.take(self.task_id, ref)
        return parked if parked is not None else self.fallback.fetch(ref)


def _key(task_id: str, ref: ImageRef) -> str:
    # One key per image of the job (compare has two); the URI can be 2 KB, its digest not.
    return f"{KEY_PREFIX}{task_id}:{hashlib.sha256(ref.uri.encode()).hexdigest()[:16]}"
