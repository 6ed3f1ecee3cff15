"""Helpers shared by the tests: sample bytes, waiting on state, a fault-injecting proxy."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TypeVar

import httpx
import numpy as np
from PIL import Image

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def face_jpeg(side: int = 256) -> bytes:
    """scikit-image's astronaut photo (one frontal face), as a small JPEG."""
    import skimage.data  # noqa: PLC0415

    image = Image.open(Path(skimage.data.__file__).parent / "astronaut.png").convert("RGB")
    image.thumbnail((side, side))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def noise_png(side: int = 64) -> bytes:
    pixels = np.random.default_rng(0).integers(0, 255, (side, side, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def wait_until(check: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll `check` until it returns something truthy; fail with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@dataclass
class Faults:
    """Per path substring: how many GETs answer 500, and a delay for the first GET."""

    errors: dict[str, int] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    seen: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def action(self, method: str, path: str) -> tuple[int, float]:
        """(status to answer or 0 to forward, seconds to wait first)."""
        if method != "GET":
            return 0, 0.0
        with self.lock:
            for needle, failures in self.errors.items():
                if needle in path:
                    self.seen[needle] += 1
                    if self.seen[needle] <= failures:
                        return 500, 0.0
            for needle, delay in list(self.delays.items()):
                if needle in path:
                    del self.delays[needle]
                    return 0, delay
        return 0, 0.0


class FaultyProxy:
    """A real HTTP endpoint in front of another one that injects 500s and delays."""

    def __init__(self, upstream: str) -> None:
        self.faults = Faults()
        faults = self.faults
        client = httpx.Client(base_url=upstream, timeout=30)

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                status, delay = faults.action(self.command, self.path)
                time.sleep(delay)
                if status:
                    body = b"<Error><Code>InternalError</Code><Message>injected</Message></Error>"
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                length = int(self.headers.get("Content-Length") or 0)
                upstream_response = client.request(
                    self.command,
                    self.path,
                    content=self.rfile.read(length) if length else None,
                    headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
                )
                self.send_response(upstream_response.status_code)
                for key, value in upstream_response.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(upstream_response.content)))
                self.end_headers()
                self.wfile.write(upstream_response.content)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward  # noqa: N815

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
