"""Image bytes from http(s) URLs: time-boxed, size-capped, redirects re-checked, SSRF-guarded."""

from __future__ import annotations

import time
from urllib.parse import urljoin

import httpx

from pipeline.errors import (
    DownloadTimeoutError,
    ImageTooLargeError,
    InvalidRequestError,
    SourceAccessDeniedError,
    SourceNotFoundError,
    SourceUnavailableError,
)
from pipeline.settings import ImageLimits, SourceSettings
from pipeline.sources.base import ImageRef
from pipeline.sources.guard import CheckedUrl, check_url, parse_networks

REDIRECTS = frozenset({301, 302, 303, 307, 308})


class HttpFetcher:
    """Downloads user URLs within the documented 3 s and 20 MB limits."""

    def __init__(self, settings: SourceSettings, limits: ImageLimits) -> None:
        self._settings = settings
        self._max_bytes = limits.max_bytes
        self._allow = parse_networks(settings.http_allow_networks)
        # trust_env=False: a proxy from the environment would bypass the address check.
        self._client = httpx.Client(follow_redirects=False, trust_env=False)

    def fetch(self, ref: ImageRef) -> bytes:
        deadline = time.monotonic() + self._settings.http_timeout
        url = ref.uri
        for _ in range(self._settings.http_max_redirects + 1):
            checked = check_url(url, self._allow)
            location = self._get(checked, deadline)
            if isinstance(location, bytes):
                return location
            url = location
        raise InvalidRequestError(
            f"more than {self._settings.http_max_redirects} redirects from {ref.uri}"
        )

    def close(self) -> None:
        self._client.close()

    def _get(self, checked: CheckedUrl, deadline: float) -> bytes | str:
        """The body, or the next URL when the server redirects."""
        try:
            with self._client.stream(
                "GET",
                checked.pinned_url(),
                headers={"Host": checked.netloc},
                extensions={"sni_hostname": checked.host},
                timeout=_remaining(deadline),
            ) as response:
                if response.status_code in REDIRECTS and "location" in response.headers:
                    return urljoin(checked.url, response.headers["location"])
                _raise_for_status(response, checked.url)
                return self._read_capped(response, deadline)
        except httpx.TimeoutException as exc:
            raise DownloadTimeoutError(
                f"downloading {checked.url} took longer than {self._settings.http_timeout:g} s"
            ) from exc
        except httpx.TransportError as exc:
            raise SourceUnavailableError(f"cannot download {checked.url}: {exc}") from exc

    def _read_capped(self, response: httpx.Response, deadline: float) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_bytes:
            raise ImageTooLargeError(_too_large(int(declared), self._max_bytes))
        chunks: list[bytes] = []
        received = 0
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > self._max_bytes:
                raise ImageTooLargeError(_too_large(received, self._max_bytes))
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("total download time exceeded")
            chunks.append(chunk)
        return b"".join(chunks)


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpx.ConnectTimeout("total download time exceeded")
    return left


def _raise_for_status(response: httpx.Response, url: str) -> None:
    status = response.status_code
    if status < 300:
        return
    if status in (404, 410):
        raise SourceNotFoundError(f"{url} answered {status}")
    if status in (401, 403):
        raise SourceAccessDeniedError(f"{url} answered {status}")
    if status == 429 or status >= 500:
        raise SourceUnavailableError(f"{url} answered {status}")
    raise InvalidRequestError(f"{url} answered {status}")


def _too_large(size: int, limit: int) -> str:
    return f"the image is {size:,} bytes or more; the limit is {limit:,} bytes"
