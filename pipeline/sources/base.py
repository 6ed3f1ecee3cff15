"""What every source shares: the reference to an image and the fetcher protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ImageRef:
    """An image by reference: what travels through the broker instead of pixels.

    `etag` / `version` pin the object's content: together with the URI they make the job's
    idempotency key, so a re-uploaded object is analysed again and an unchanged one is not.
    """

    uri: str
    etag: str | None = None
    version: str | None = None
    data_id: str | None = None


class Fetcher(Protocol):
    """Reads the bytes of one image, raising `pipeline.errors` exceptions on failure."""

    def fetch(self, ref: ImageRef) -> bytes: ...
