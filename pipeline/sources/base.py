"""What every source shares: the reference to an image and the fetcher protocol."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from typing import Protocol

from pipeline.errors import InvalidRequestError


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

    def __post_init__(self) -> None:
        # No store can keep a NUL (PostgreSQL text refuses it), and no real name has one.
        if any(value is not None and "\x00" in value for value in astuple(self)):
            raise InvalidRequestError("an image reference contains a NUL character")


class Fetcher(Protocol):
    """Reads the bytes of one image, raising `pipeline.errors` exceptions on failure."""

    def fetch(self, ref: ImageRef) -> bytes: ...
