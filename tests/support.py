"""Helpers shared by the tests: sample bytes, waiting on state, a loopback site of images
and webhook callbacks, a fault-injecting proxy."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs

import httpx
import numpy as np
import pytest
from PIL import Image

from calibrate.fixtures import fixtures_dir

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


README = Path(__file__).resolve().parent.parent / "README.md"


def readme_blocks(language: str) -> list[str]:
    """The README's fenced code blocks in `language` (```sh, ```python), in order."""
    blocks: list[str] = []
    current: list[str] | None = None
    for line in README.read_text().splitlines():
        if current is None and line.strip() == f"```{language}":
            current = []
        elif current is not None and line.strip() == "```":
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def readme_block(language: str, containing: str) -> str:
    """The README's one `language` block that holds `containing`."""
    (block,) = [block for block in readme_blocks(language) if containing in block]
    return block


def example_photos(folder: Path) -> Path:
    """The files the README's examples name, made from scikit-image's astronaut (a face the
    quality gate passes), in `folder`: photo.jpg, a.jpg, b.jpg (mirrored), door.jpg,
    photos/ and people/eileen/ (two photos of one person)."""
    import skimage.data  # noqa: PLC0415

    face = Image.open(Path(skimage.data.__file__).parent / "astronaut.png").convert("RGB")
    tilted = face.rotate(8, resample=Image.Resampling.BICUBIC)
    files = {
        "photo.jpg": face,
        "a.jpg": face,
        "b.jpg": face.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        "door.jpg": tilted,
        "photos/astronaut.jpg": face,
        "photos/mirrored.jpg": face.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        "people/eileen/1.jpg": face,
        "people/eileen/2.jpg": face.rotate(-8, resample=Image.Resampling.BICUBIC),
    }
    for name, image in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        image.save(folder / name, format="JPEG", quality=92)
    return folder


FACEPIPE = (sys.executable, "-m", "pipeline.cli")


def user_environment(settings: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without FACEPIPE_* settings (but the fixtures' folder),
    plus `settings`: what a new user's shell holds."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FACEPIPE_") or key == "FACEPIPE_FIXTURES"
    }
    return environment | dict(settings or {})


def facepipe_in(
    folder: Path, *args: str, settings: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`facepipe ARGS` run in `folder` as a new user would: no FACEPIPE_* settings but
    `settings`, so the store, broker and outputs are the embedded defaults inside `folder`."""
    return subprocess.run(
        [*FACEPIPE, *args],
        cwd=folder,
        env=user_environment(settings),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def require_fixtures() -> Path:
    """The labelled photos' folder (`calibrate.fixtures.fixtures_dir`); without them the test
    is skipped, or fails in CI (`CI=true`), which must have ../shared beside the checkout."""
    root = fixtures_dir()
    if not (root / "faces" / "labels.json").is_file():
        message = f"labelled photos not found at {root} (set FACEPIPE_FIXTURES)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + "; CI must have ../shared beside the checkout")
        pytest.skip(message)
    return root


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


# The loopback address test sites listen on: the only one the services under test are allowed
# to fetch from and call back (FACEPIPE_SOURCE_HTTP_ALLOW_NETWORKS), so 127.0.0.1 stays refused
# like any other private address.
LOCAL = "127.0.0.2"


@dataclass
class Receiver:
    """A webhook receiver: answers each callback with the next scripted status (200 once the
    script is spent), or 503 while `down`, and records what it accepted."""

    statuses: list[int] = field(default_factory=list)
    retry_after: str | None = None
    down: bool = False
    # (monotonic time, lower-cased headers, body) of each callback answered, refused ones not.
    received: list[tuple[float, dict[str, str], bytes]] = field(default_factory=list)
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        with self.lock:
            if self.down:
                self.refused += 1
                return 503, {}
            self.received.append((time.monotonic(), headers, body))
            status = self.statuses.pop(0) if self.statuses else 200
        extra = {"Retry-After": self.retry_after} if self.retry_after and status != 200 else {}
        return status, extra

    @property
    def callbacks(self) -> dict[str, list[str]]:
        """Per task id, the `webhook-id` of each callback received: one delivery's retries
        share it, so a receiver that dedupes on it sees each result once."""
        found: defaultdict[str, list[str]] = defaultdict(list)
        with self.lock:
            for _, headers, body in self.received:
                content = json.loads(parse_qs(body.decode())["content"][0])
                found[content["taskId"]].append(headers.get("webhook-id", ""))
        return dict(found)


@dataclass
class LocalSite:
    """Images (`/face.jpg`, `/slow.jpg`, `/broken.jpg`, `/redirect?to=`) and the webhook
    `/hook` on `LOCAL`; `image_delay` holds every image answer (work long enough to be
    interrupted)."""

    port: int = field(default_factory=free_port)
    receiver: Receiver = field(default_factory=Receiver)
    slow_seconds: float = 4.0
    image_delay: float = 0.0
    image: bytes = field(default_factory=face_jpeg)

    def url(self, path: str) -> str:
        return f"http://{LOCAL}:{self.port}{path}"

    def serve(self) -> ThreadingHTTPServer:
        """Start answering in a daemon thread; the caller shuts the server down."""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.startswith("/redirect?to="):
                    self.send_response(302)
                    self.send_header("Location", self.path.split("=", 1)[1])
                    self.end_headers()
                    return
                time.sleep(site.image_delay)
                if self.path.startswith("/slow.jpg"):
                    time.sleep(site.slow_seconds)
                if self.path == "/broken.jpg":  # an upstream that fails for good
                    self.send_response(500)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(site.image)))
                self.end_headers()
                self.wfile.write(site.image)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {key.lower(): value for key, value in self.headers.items()}
                status, extra = site.receiver.handle(headers, body)
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        server = ThreadingHTTPServer((LOCAL, self.port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server
