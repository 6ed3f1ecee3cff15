"""Image bytes from a local path, a `file://` URI or an inline `base64://` payload."""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipeline.errors import (
    ImageDecodeError,
    InvalidRequestError,
    SourceAccessDeniedError,
    SourceNotFoundError,
)
from pipeline.sources.base import ImageRef

BASE64_PREFIX = "base64://"


def read_image(reference: str) -> bytes:
    """The bytes a path or URI names.

    `base64://<data>` is inline data without a `data:image/...;base64,` prefix, as CompareFaces
    documents. Other schemes raise `InvalidRequestError`.
    """
    if reference.startswith(BASE64_PREFIX):
        return decode_base64(reference[len(BASE64_PREFIX) :])
    parts = urlsplit(reference)
    if parts.scheme == "file":
        return _read_file(Path(unquote(parts.path)))
    if parts.scheme and len(parts.scheme) > 1:  # one letter: a Windows drive, not a scheme
        raise InvalidRequestError(f"unsupported image source scheme {parts.scheme!r}")
    return _read_file(Path(reference))


def decode_base64(payload: str) -> bytes:
    """Inline image bytes; `ImageDecodeError` for a payload that is not base64."""
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageDecodeError(f"the base64 image data is invalid: {exc}") from exc


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise SourceNotFoundError(f"no such file: {path}") from exc
    except IsADirectoryError as exc:
        raise InvalidRequestError(f"{path} is a directory, not an image") from exc
    except PermissionError as exc:
        raise SourceAccessDeniedError(f"permission denied: {path}") from exc


class LocalFetcher:
    """The `Fetcher` for paths, `file://` and `base64://`."""

    def fetch(self, ref: ImageRef) -> bytes:
        return read_image(ref.uri)
