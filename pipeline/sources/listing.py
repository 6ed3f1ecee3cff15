"""Everything under a folder or a bucket prefix, in key order, page by page.

Key order makes a listing resumable: a backfill stores the last key it enqueued and starts
after it (S3's ListObjectsV2 `StartAfter`; the same rule for folders).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipeline.errors import InvalidRequestError, SourceNotFoundError
from pipeline.sources.base import ImageRef
from pipeline.sources.s3 import BUCKET_SCHEMES, BucketFetcher, parse_location

PAGE = 1000


@dataclass(frozen=True)
class Listed:
    """One object: its key (for checkpoints) and the reference a job is built from."""

    key: str
    ref: ImageRef


def list_images(
    target: str,
    buckets: BucketFetcher,
    start_after: str | None = None,
    skip: frozenset[Path] = frozenset(),
) -> Iterator[list[Listed]]:
    """Pages of the objects under a bucket prefix, a folder, or the one file `target` names.

    `skip`: files of a folder that are not photos to analyse (the run's own store and output,
    which may sit in the very folder it analyses).
    """
    scheme = urlsplit(target).scheme
    if scheme in BUCKET_SCHEMES:
        yield from _bucket_pages(target, buckets, start_after)
    elif scheme in ("", "file") or len(scheme) == 1:
        path = Path(unquote(urlsplit(target).path) if scheme == "file" else target)
        yield from _folder_pages(path, start_after, skip)
    else:
        raise InvalidRequestError(f"cannot list {target!r}: use a folder, s3:// or oss:// prefix")


def _bucket_pages(
    prefix: str, buckets: BucketFetcher, start_after: str | None
) -> Iterator[list[Listed]]:
    location = parse_location(prefix, buckets.settings)
    for page in buckets.list_objects(prefix, start_after):
        yield [
            Listed(obj.key, ImageRef(location.uri(obj.key), etag=obj.etag, data_id=obj.key))
            for obj in page
        ]


def _folder_pages(
    root: Path, start_after: str | None, skip: frozenset[Path]
) -> Iterator[list[Listed]]:
    if root.is_file():
        files = [root]
        root = root.parent
    elif root.is_dir():
        # Hidden files (.DS_Store, .git) are not photos; everything else is tried, so a stray
        # TIFF or text file is reported as a failed result instead of silently skipped.
        files = sorted(
            p
            for p in root.rglob("*")
            if p.is_file() and not _hidden(p.relative_to(root)) and p.resolve() not in skip
        )
    else:
        raise SourceNotFoundError(f"no such file or folder: {root}")
    page: list[Listed] = []
    for path in files:
        key = path.relative_to(root).as_posix()
        if start_after is not None and key <= start_after:
            continue
        stat = path.stat()
        # Size and modification time stand in for an ETag: an edited photo is a new job.
        etag = f"{stat.st_size}-{stat.st_mtime_ns}"
        page.append(Listed(key, ImageRef(str(path.resolve()), etag=etag, data_id=key)))
        if len(page) == PAGE:
            yield page
            page = []
    if page:
        yield page


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)
