"""Per-key request rate limit, shared by every API replica through Redis (`limits`)."""

from __future__ import annotations

import math
import time
from urllib.parse import urlsplit

from limits import RateLimitItemPerSecond
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from pipeline.errors import ThrottledError


class RateLimit:
    """At most `per_second` requests in any one-second window, per key (a moving window:
    no double burst across a window boundary)."""

    def __init__(self, redis_url: str, per_second: int) -> None:
        self._item = RateLimitItemPerSecond(per_second)
        storage = storage_from_string(_async_url(redis_url), implementation="redispy")
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, key_id: str) -> None:
        """Count one request; `ThrottledError` (with Retry-After seconds) when over."""
        if await self._limiter.hit(self._item, "api", key_id):
            return
        stats = await self._limiter.get_window_stats(self._item, "api", key_id)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise ThrottledError(
            f"more than {self._item.amount} requests per second for key {key_id}",
            retry_after=retry_after,
        )


def _async_url(redis_url: str) -> str:
    """A redis-py URL (`redis://`, `rediss://`, `unix://`) in the form `limits` reads."""
    scheme = urlsplit(redis_url).scheme
    if scheme == "unix":
        return "async+redis+unix" + redis_url[len("unix") :]
    return "async+" + redis_url
