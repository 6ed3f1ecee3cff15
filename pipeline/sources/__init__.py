"""Where image bytes come from: buckets (s3://, oss://), user URLs (http(s)://), local files
and inline base64 (`inline://`, parked in Redis by the API). `Sources` picks the fetcher by
the URI's scheme."""

from __future__ import annotations

from urllib.parse import urlsplit

from pipeline.errors import InvalidRequestError
from pipeline.settings import Settings
from pipeline.sources.base import Fetcher, ImageRef
from pipeline.sources.http import HttpFetcher
from pipeline.sources.inline import InlineFetcher
from pipeline.sources.local import LocalFetcher, read_image
from pipeline.sources.s3 import BUCKET_SCHEMES, BucketFetcher


class Sources:
    """One fetcher per scheme, built once per process from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.buckets = BucketFetcher(settings.sources, settings.limits)
        self.http = HttpFetcher(settings.sources, settings.limits)
        self.local = LocalFetcher()
        self.inline = InlineFetcher(settings.broker_url)

    def fetcher_for(self, uri: str) -> Fetcher:
        try:
            scheme = urlsplit(uri).scheme
        except ValueError as exc:  # e.g. an unclosed IPv6 bracket
            raise InvalidRequestError(f"the URI cannot be parsed: {exc}") from exc
        if scheme in BUCKET_SCHEMES:
            return self.buckets
        if scheme in ("http", "https"):
            return self.http
        if scheme == "inline":
            return self.inline
        return self.local

    def fetch(self, ref: ImageRef) -> bytes:
        """The bytes of `ref`, or a `pipeline.errors` exception saying why not."""
        return self.fetcher_for(ref.uri).fetch(ref)

    def fetch_unchanged(self, ref: ImageRef) -> bytes:
        """As `fetch`, but a bucket object only while its ETag is still `ref.etag` (files,
        URLs and inline images cannot be pinned so)."""
        fetcher = self.fetcher_for(ref.uri)
        if fetcher is self.buckets:
            return self.buckets.fetch(ref, same_etag=True)
        return fetcher.fetch(ref)


__all__ = ["Fetcher", "ImageRef", "Sources", "read_image"]
