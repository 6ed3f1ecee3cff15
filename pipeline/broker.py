"""The broker's Redis: its default address, and how redis-py reaches it.

Besides carrying Celery's messages, the broker's Redis holds job-finished notices
(`pipeline.notices`), parked inline images (`pipeline.sources.inline`), fetched downloads
(`pipeline.sources.shelf`) and the API's rate-limit windows.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pipeline.settings import Settings

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"


def broker_url(settings: Settings) -> str:
    """FACEPIPE_BROKER_URL, or the local Redis when it is unset."""
    return settings.broker_url or DEFAULT_BROKER


def redis_py_url(url: str) -> str:
    """kombu's Redis URL as redis-py reads it (`redis+socket:///path` -> `unix:///path`)."""
    parts = urlsplit(url)
    if parts.scheme in ("redis+socket", "socket"):
        return f"unix://{parts.path}"
    return url
