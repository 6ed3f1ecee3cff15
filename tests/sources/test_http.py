"""The URL fetcher against a real HTTP server on loopback (allowed only through the
allow-list, as the SSRF guard refuses loopback by default)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pipeline.errors import (
    DownloadTimeoutError,
    ImageTooLargeError,
    InvalidRequestError,
    SourceNotFoundError,
    SourceUnavailableError,
    UnsafeUrlError,
)
from pipeline.settings import ImageLimits, SourceSettings
from pipeline.sources import ImageRef
from pipeline.sources.guard import check_url, is_public
from pipeline.sources.http import HttpFetcher
from tests.support import face_jpeg

IMAGE = face_jpeg()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/face.jpg":
            self._send(200, IMAGE)
        elif self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100):  # trickles for 10 s: the 3 s total limit must cut it off
                self.wfile.write(b"x" * 1000)
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path == "/drip-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            for i in range(100):  # one header line a tenth of a second, for 10 s
                self.wfile.write(f"X-Drip-{i}: x\r\n".encode())
                self.wfile.flush()
                time.sleep(0.1)
        elif self.path == "/endless":
            self.send_response(200)  # no Content-Length: the cap is enforced while streaming
            self.end_headers()
            for _ in range(3000):
                self.wfile.write(b"x" * 65536)
        elif self.path == "/redirect-ok":
            self._redirect("/face.jpg")
        elif self.path == "/redirect-private":
            self._redirect("http://10.0.0.1/face.jpg")
        elif self.path == "/redirect-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        elif self.path == "/missing":
            self._send(404, b"no")
        else:
            self._send(500, b"boom")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


class Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # The limit tests hang up mid-body on purpose; anything else is reported.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def fetcher() -> HttpFetcher:
    settings = SourceSettings(http_allow_networks=["127.0.0.0/8"])
    return HttpFetcher(settings, ImageLimits(max_bytes=1_000_000))


def test_downloads_an_image(fetcher: HttpFetcher, server: str) -> None:
    assert fetcher.fetch(ImageRef(f"{server}/face.jpg")) == IMAGE


def test_follows_a_redirect_to_an_allowed_address(fetcher: HttpFetcher, server: str) -> None:
    assert fetcher.fetch(ImageRef(f"{server}/redirect-ok")) == IMAGE


@pytest.mark.parametrize("path", ["/redirect-private", "/redirect-metadata"])
def test_a_redirect_into_the_network_is_refused(
    fetcher: HttpFetcher, server: str, path: str
) -> None:
    with pytest.raises(UnsafeUrlError):
        fetcher.fetch(ImageRef(server + path))


@pytest.mark.parametrize("path", ["/slow", "/drip-headers"])
def test_the_whole_download_is_limited_to_3_seconds(
    fetcher: HttpFetcher, server: str, path: str
) -> None:
    started = time.monotonic()
    with pytest.raises(DownloadTimeoutError):
        fetcher.fetch(ImageRef(server + path))
    # A total deadline: a server trickling bytes (body or headers) is cut off at 3 s.
    assert 2.9 < time.monotonic() - started < 3.5


def test_the_size_cap_holds_without_a_content_length(fetcher: HttpFetcher, server: str) -> None:
    with pytest.raises(ImageTooLargeError):
        fetcher.fetch(ImageRef(f"{server}/endless"))


def test_http_errors_map_to_codes(fetcher: HttpFetcher, server: str) -> None:
    with pytest.raises(SourceNotFoundError):
        fetcher.fetch(ImageRef(f"{server}/missing"))
    with pytest.raises(SourceUnavailableError):  # 5xx is transient: the worker retries
        fetcher.fetch(ImageRef(f"{server}/error"))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.jpg",
        "http://localhost/x.jpg",
        "http://10.0.0.1/x.jpg",
        "http://192.168.1.10/x.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.100.100.200/latest/meta-data/",
        "http://[::1]/x.jpg",
        "http://[::ffff:127.0.0.1]/x.jpg",
        "http://[fd00:ec2::254]/x.jpg",
        "http://0.0.0.0/x.jpg",
    ],
)
def test_the_guard_refuses_private_addresses(url: str) -> None:
    with pytest.raises(UnsafeUrlError):
        check_url(url)


def test_the_guard_refuses_other_schemes() -> None:
    with pytest.raises(InvalidRequestError):
        check_url("ftp://example.com/x.jpg")
    with pytest.raises(InvalidRequestError):
        check_url("file:///etc/passwd")


def test_public_addresses_pass() -> None:
    import ipaddress  # noqa: PLC0415

    assert is_public(ipaddress.ip_address("93.184.216.34"))
    assert is_public(ipaddress.ip_address("2606:4700::6810:85e5"))
