"""The worst one job costs: memory and time of hostile inputs the documented limits accept.

    python -m bench.hostile [--inputs DIR]

Each input runs in a fresh process that first loads the models and warms the engine, as a
worker process has them, then runs one job on a normal photo (the baseline, same process)
and then the hostile input: decode within the limits and the whole engine (`detect`).
Reported per input: peak RSS of the process (MB), its growth over the baseline job, seconds,
the ratio to the baseline job's seconds, and the outcome (face count or error code).
`url-drip-*` are URL fetches against a loopback server that trickles its answer, timed in
this process. Targets: every job <= 1,536 MB peak and <= 10 s. Prints JSON.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image

MAX_PEAK_MB = 1536
MAX_SECONDS = 10.0
# The largest square the documented 250,000,000-pixel limit accepts.
LARGEST_SQUARE = 15_811


def _jpeg_with_a_lying_header(side: int = 15_000) -> bytes:
    """A few hundred bytes whose header says side x side (a decompression bomb)."""
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (128, 128, 128)).save(buffer, format="JPEG")
    data = bytearray(buffer.getvalue())
    frame = data.find(b"\xff\xc0")  # baseline start-of-frame: height, then width
    data[frame + 5 : frame + 7] = side.to_bytes(2, "big")
    data[frame + 7 : frame + 9] = side.to_bytes(2, "big")
    return bytes(data)


def _encoded(mode: str, size: tuple[int, int], image_format: str, **options: Any) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=image_format, **options)
    return buffer.getvalue()


INPUTS: dict[str, Callable[[], bytes]] = {
    "jpeg-header-says-15000x15000": _jpeg_with_a_lying_header,
    "jpeg-15000x15000": lambda: _encoded("RGB", (15_000, 15_000), "JPEG", quality=50),
    "png-gray-15000x15000": lambda: _encoded("L", (15_000, 15_000), "PNG", compress_level=9),
    "png-gray16-15000x15000": lambda: _encoded("I;16", (15_000, 15_000), "PNG"),
    "png-rgba-250mpx": lambda: _encoded("RGBA", (LARGEST_SQUARE,) * 2, "PNG", compress_level=1),
    "png-rgb-30000x8333": lambda: _encoded("RGB", (30_000, 8_333), "PNG", compress_level=1),
    "webp-15000x15000": lambda: _encoded("RGB", (15_000, 15_000), "WEBP", quality=10),
    "gif-2048x2048": lambda: _encoded("P", (2048, 2048), "GIF"),
    # The largest 8-bit BMP under 20 MB; Pillow decodes BMP (libvips does not).
    "bmp-20000x1000": lambda: _encoded("L", (20_000, 1_000), "BMP"),
}


def run_one(path: Path) -> dict[str, Any]:
    """In this (fresh) process: warm up, a baseline job, then the job on `path`."""
    from pipeline.analysis import detect  # noqa: PLC0415 - after the fork, as a worker
    from pipeline.errors import FacepipeError  # noqa: PLC0415
    from pipeline.settings import Settings  # noqa: PLC0415
    from pipeline.vision.engine import FaceEngine  # noqa: PLC0415
    from tests.support import face_jpeg  # noqa: PLC0415

    settings = Settings()
    FaceEngine(settings.engine).warm_up()

    def job(data: bytes) -> tuple[float, str]:
        started = time.perf_counter()
        try:
            outcome = f"{len(detect(data, settings=settings).faces or [])} faces"
        except FacepipeError as error:
            outcome = f"{error.code} {error.name}"
        return time.perf_counter() - started, outcome

    baseline_seconds, _ = job(face_jpeg(1024))
    baseline_mb = _peak_mb()
    data = path.read_bytes()
    seconds, outcome = job(data)
    peak = _peak_mb()
    return {
        "bytes": len(data),
        "outcome": outcome,
        "seconds": round(seconds, 2),
        "ratio_to_baseline_job": round(seconds / baseline_seconds, 1),
        "peak_rss_mb": round(peak),
        "growth_over_baseline_mb": round(peak - baseline_mb),
        "baseline_job_seconds": round(baseline_seconds, 3),
    }


def _peak_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: that one survives exec, so a child would report
    # the peak of the process that started it.
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024  # kB


class _Drip(BaseHTTPRequestHandler):
    """Answers slowly: the body, or even the headers, one piece every 0.2 s for 20 s."""

    def do_GET(self) -> None:
        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
        if self.path == "/headers":
            for i in range(100):
                self._trickle(f"X-Drip-{i}: x\r\n".encode())
        else:
            self.wfile.write(b"Content-Length: 100000\r\n\r\n")
            for _ in range(100):
                self._trickle(b"x" * 1000)

    def _trickle(self, piece: bytes) -> None:
        try:
            self.wfile.write(piece)
            self.wfile.flush()
        except OSError:
            return
        time.sleep(0.2)

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def _drip_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def slow_urls() -> dict[str, dict[str, Any]]:
    from pipeline.errors import FacepipeError  # noqa: PLC0415
    from pipeline.settings import ImageLimits, SourceSettings  # noqa: PLC0415
    from pipeline.sources import ImageRef  # noqa: PLC0415
    from pipeline.sources.http import HttpFetcher  # noqa: PLC0415

    fetcher = HttpFetcher(SourceSettings(http_allow_networks=["127.0.0.0/8"]), ImageLimits())
    results = {}
    with _drip_server() as base:
        for name, path in (("url-drip-body", "/body"), ("url-drip-headers", "/headers")):
            started = time.perf_counter()
            try:
                outcome = f"{len(fetcher.fetch(ImageRef(base + path)))} bytes"
            except FacepipeError as error:
                outcome = f"{error.code} {error.name}"
            results[name] = {"outcome": outcome, "seconds": round(time.perf_counter() - started, 2)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", type=Path, help="where to keep the generated inputs")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the per-input process
    parser.add_argument("--make", nargs=2, help=argparse.SUPPRESS)  # writes one input
    args = parser.parse_args()
    if args.make is not None:
        name, path = args.make
        Path(path).write_bytes(INPUTS[name]())
        return
    if args.one is not None:
        print(json.dumps(run_one(args.one)))
        return
    directory = args.inputs or Path(tempfile.mkdtemp(prefix="facepipe-hostile-"))
    directory.mkdir(parents=True, exist_ok=True)
    jobs: dict[str, dict[str, Any]] = {}
    for name in INPUTS:
        path = directory / name
        if not path.exists():
            # In a child process: making a 250 Mpx input takes gigabytes, kept by no one.
            make_one = [sys.executable, "-m", "bench.hostile", "--make", name, str(path)]
            subprocess.run(make_one, check=True)
        one = [sys.executable, "-m", "bench.hostile", "--one", str(path)]
        output = subprocess.run(one, check=True, capture_output=True, text=True).stdout
        jobs[name] = json.loads(output.strip().splitlines()[-1])
    urls = slow_urls()
    every = [*jobs.values(), *urls.values()]
    worst = {
        "peak_rss_mb": max(job["peak_rss_mb"] for job in jobs.values()),
        "seconds": max(job["seconds"] for job in every),
    }
    report = {
        "targets": {"peak_rss_mb": MAX_PEAK_MB, "seconds": MAX_SECONDS},
        "worst": worst,
        "within_targets": worst["peak_rss_mb"] <= MAX_PEAK_MB and worst["seconds"] <= MAX_SECONDS,
        "jobs": jobs,
        "urls": urls,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
