"""Image bytes from http(s) URLs: time-boxed, size-capped, redirects re-checked, SSRF-guarded.

The documented 3 s is a total deadline over everything one fetch does: resolving each host,
connecting, every redirect, the headers and the body. A per-read timeout would not bound a
server that sends one byte a second, so the fetch runs as a coroutine under one
`asyncio.timeout`, which cancels it wherever it is. Name resolution runs on a small thread
pool of its own: a stuck resolver cannot be cancelled, but the fetch stops waiting for it.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
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
# Resolver threads shared by the fetches of one process (one fetch at a time per process in
# a prefork worker; the spare ones absorb lookups that outlive their fetch).
_RESOLVER = ThreadPoolExecutor(max_workers=4, thread_name_prefix="facepipe-resolve")


class HttpFetcher:
    """Downloads user URLs within the documented 3 s and 20 MB limits."""

    def __init__(self, settings: SourceSettings, limits: ImageLimits) -> None:
        self._settings = settings
        self._max_bytes = limits.max_bytes
        self._allow = parse_networks(settings.http_allow_networks)

    def fetch(self, ref: ImageRef) -> bytes:
        """The body at `ref.uri`, or the `pipeline.errors` exception that says why not."""
        budget = self._settings.http_timeout
        try:
            return asyncio.run(asyncio.wait_for(self._fetch(ref.uri), budget))
        except TimeoutError as exc:
            raise DownloadTimeoutError(
                f"downloading {ref.uri} took longer than {budget:g} s"
            ) from exc

    async def _fetch(self, start: str) -> bytes:
        url = start
        # trust_env=False: a proxy from the environment would bypass the address check.
        async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
            for _ in range(self._settings.http_max_redirects + 1):
                checked = await asyncio.get_running_loop().run_in_executor(
                    _RESOLVER, functools.partial(check_url, url, self._allow)
                )
                location = await self._get(client, checked)
                if isinstance(location, bytes):
                    return location
                url = location
        raise InvalidRequestError(
            f"more than {self._settings.http_max_redirects} redirects from {start}"
        )

    async def _get(self, client: httpx.AsyncClient, checked: CheckedUrl) -> bytes | str:
        """The body, or the next URL when the server redirects."""
        try:
            async with client.stream(
                "GET",
                checked.pinned_url(),
                headers={"Host": checked.netloc},
                extensions={"sni_hostname": checked.host},
                # The deadline around the whole fetch bounds it; no per-operation limit.
                timeout=None,
            ) as response:
                if response.status_code in REDIRECTS and "location" in response.headers:
                    return urljoin(checked.url, response.headers["location"])
                _raise_for_status(response, checked.url)
                return await self._read_capped(response)
        except httpx.TransportError as exc:
            raise SourceUnavailableError(f"cannot download {checked.url}: {exc}") from exc

    async def _read_capped(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self._max_bytes:
            raise ImageTooLargeError(_too_large(int(declared), self._max_bytes))
        chunks: list[bytes] = []
        received = 0
        async for chunk in response.aiter_bytes():
            received += len(chunk)
            if received > self._max_bytes:
                raise ImageTooLargeError(_too_large(received, self._max_bytes))
            chunks.append(chunk)
        return b"".join(chunks)


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
