"""Latency of the HTTP service's sync detect, and webhook delivery rate.

    python -m bench.service [--requests 60] [--deliveries 1000]

Everything on loopback, started here: a private redis-server, a SQLite store, a Celery
worker (2 processes: realtime queue), a webhook worker (8 processes: webhooks queue),
uvicorn with the API, and a webhook receiver (uvicorn).

1. Sync `POST /green/face/detect` of one photo (inline base64) at 1, 4 and 16 concurrent
   clients: p50/p95/p99 next to the bare engine's time for the same bytes (`pipeline.detect`
   in this process, median of 20). Target: p50 <= engine + 30 ms at 1 client.
2. Webhook deliveries per second: N finished jobs with a callback, their deliveries handed to
   the webhook worker at once, timed until the store has them all delivered. Target >= 200/s.
3. Signature checking, in this process: `KeyRing.authenticate` (key lookup in the store, then
   the scheme's digest and HMAC) on the same detect request signed in each scheme, p50 of
   2,000 checks, for a 256 px face (about 30 kB of JSON; RPC carries it twice, as compare's
   two images) and for the photo above. Target: <= 1 ms for each on the face.

Prints JSON. Run it as a module (the imports expect the repository root on the path).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from email.utils import formatdate
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlencode

import httpx
from PIL import Image

from calibrate.fixtures import fixtures_dir
from pipeline.analysis import detect
from pipeline.jobs import JobOutcome, JobSpec
from pipeline.keys import Credentials, KeyRing
from pipeline.settings import Settings
from pipeline.signatures import Scheme, SignedRequest, acs, ctyun
from pipeline.signatures.facepipe import signed_headers
from pipeline.sources import ImageRef
from pipeline.store import ResultStore
from pipeline.vision import dlib_models
from workers.app import create_app
from workers.embedded import private_broker
from workers.webhooks import send_deliveries

MASTER_KEY = "bench-master-key-0123456789"
RECEIVER_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})
"""


def inline_body(data: bytes) -> bytes:
    """A detect request's body carrying the image inline."""
    return json.dumps({"url": "base64://" + base64.b64encode(data).decode()}).encode()


def thumbnail(data: bytes, side: int) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    image.thumbnail((side, side))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def photo() -> bytes:
    faces = sorted((fixtures_dir() / "faces").glob("*.jpg"))
    if faces:
        return faces[0].read_bytes()
    import skimage.data  # noqa: PLC0415

    return (Path(skimage.data.__file__).parent / "astronaut.png").read_bytes()


def free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def process(command: list[str], environment: dict[str, str], log: Path) -> Iterator[None]:
    child = subprocess.Popen(
        command,
        env={**os.environ, **environment},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()


def celery(queues: str, concurrency: int) -> list[str]:
    return [
        sys.executable, "-m", "celery", "--quiet", "--app", "workers.app", "worker",
        "--queues", queues, "--concurrency", str(concurrency), "--loglevel", "WARNING",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--hostname", f"{queues}-{os.getpid()}@%h",
    ]  # fmt: skip


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def engine_ms(data: bytes) -> float:
    dlib_models.load()
    detect(data)  # warm
    times = []
    for _ in range(20):
        started = time.perf_counter()
        detect(data)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def latencies(
    base_url: str, key: Credentials, body: bytes, clients: int, total: int
) -> list[float]:
    path = "/green/face/detect"

    def one(_: int) -> float:
        headers = signed_headers(key.key_id, key.secret, "POST", path, body)
        headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        response = client.post(path, content=body, headers=headers)
        elapsed = time.perf_counter() - started
        if response.json().get("code") != 200:
            raise RuntimeError(response.text[:300])
        return elapsed * 1000

    with httpx.Client(
        base_url=base_url, timeout=30, limits=httpx.Limits(max_connections=64)
    ) as client:
        one(0)  # warm: connection, worker processes
        with ThreadPoolExecutor(clients) as pool:
            return list(pool.map(one, range(total)))


def signed_requests(key: Credentials, image: bytes) -> dict[Scheme, SignedRequest]:
    """A detect request of `image` signed in each scheme as its clients sign it, and for
    RPC a CompareFaces of the image with itself."""
    path = "/green/face/detect"
    body = inline_body(image)
    facepipe = {
        k.lower(): v for k, v in signed_headers(key.key_id, key.secret, "POST", path, body).items()
    }
    stamp = str(int(time.time() * 1000))
    ctyun_sign = ctyun.sign(key.key_id, key.secret, stamp, path, body)
    roa_headers = {
        "accept": "application/json",
        "content-md5": acs.content_md5(body),
        "content-type": "application/octet-stream",
        "date": formatdate(usegmt=True),
        "x-acs-action": "DetectFace",
        "x-acs-region-id": "cn-shanghai",
        "x-acs-signature-method": "HMAC-SHA1",
        "x-acs-signature-version": "1.0",
        "x-acs-version": "2018-05-09",
    }
    query = "RegionId=cn-shanghai"
    unsigned = SignedRequest("POST", path, query, roa_headers, body)
    roa_signature = acs.hmac_sha1(key.secret, acs.roa_string_to_sign(unsigned))
    roa_headers["authorization"] = f"acs {key.key_id}:{roa_signature}"
    parameters = {
        "Action": "CompareFaces", "Version": "2019-03-07", "Format": "JSON",
        "AccessKeyId": key.key_id, "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0",
        "SignatureNonce": uuid.uuid4().hex, "RegionId": "cn-hangzhou",
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }  # fmt: skip
    encoded = base64.b64encode(image).decode()
    form = {"SourceImageValue": encoded, "TargetImageValue": encoded}
    rpc_signature = acs.hmac_sha1(
        key.secret + "&", acs.rpc_string_to_sign("POST", parameters | form)
    )
    rpc_query = urlencode(parameters | {"Signature": rpc_signature})
    form_headers = {"content-type": acs.FORM}
    return {
        "facepipe": SignedRequest("POST", path, "", facepipe, body),
        "ctyun": SignedRequest(
            "POST", path, "", {"appkey": key.key_id, "timestamp": stamp, "sign": ctyun_sign}, body
        ),
        "acs-roa": SignedRequest("POST", path, query, roa_headers, body),
        "acs-rpc": SignedRequest("POST", "/", rpc_query, form_headers, urlencode(form).encode()),
    }


def signature_check(store: ResultStore, image: bytes, checks: int = 2000) -> dict[str, Any]:
    """p50/p99 of checking one signed request, per scheme (report item 3)."""
    keyring = KeyRing(store.api_keys, MASTER_KEY)
    key = keyring.create("bench-signatures")
    window: dict[Scheme, float] = dict.fromkeys(get_args(Scheme), 3600.0)
    report: dict[str, Any] = {"image_bytes": len(image), "target_p50_ms": 1.0}
    for scheme, request in signed_requests(key, image).items():
        keyring.authenticate(request, max_age=window)  # warm, and checks it is accepted
        times = []
        for _ in range(checks):
            started = time.perf_counter()
            keyring.authenticate(request, max_age=window)
            times.append((time.perf_counter() - started) * 1000)
        report[scheme] = {
            "p50_ms": round(statistics.median(times), 3),
            "p99_ms": round(statistics.quantiles(times, n=100)[98], 3),
        }
    return report


def percentiles(values: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(cuts[94], 1),
        "p99_ms": round(cuts[98], 1),
    }


def delivery_rate(
    store: ResultStore, settings: Settings, data: bytes, count: int, hook: str
) -> dict[str, Any]:
    """Finished jobs with callbacks -> deliveries; hand them all out, time until delivered."""
    outcome = JobOutcome(detect(data).to_json(), faces=1, qualified_faces=1)
    specs = [
        JobSpec("detect", ImageRef("base64://bench"), params={"n": str(n)}) for n in range(count)
    ]
    key = KeyRing(store.api_keys, MASTER_KEY).create("bench")
    submissions = store.submit(
        specs, queue="bulk", callback_url=hook, callback_seed="seed", callback_key=key.key_id
    )
    deliveries = []
    for submission in submissions:
        store.claim(submission.task_id, "bench")
        finish = store.complete(submission.task_id, "bench", outcome)
        assert finish.delivery_id is not None
        deliveries.append(finish.delivery_id)
    started = time.perf_counter()
    send_deliveries(deliveries, via=create_app(settings))
    while len(store.deliveries.find(status="delivered")) < count:
        if time.perf_counter() - started > 300:
            raise RuntimeError("deliveries did not finish within 300 s")
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    return {
        "deliveries": count,
        "seconds": round(seconds, 2),
        "deliveries_per_s": round(count / seconds, 1),
        "target_per_s": 200,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=60, help="sync calls per client count")
    parser.add_argument("--deliveries", type=int, default=1000)
    args = parser.parse_args()
    data = photo()
    body = inline_body(data)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        work = Path(tmp)
        broker = stack.enter_context(private_broker(work))
        store_url = f"sqlite:///{work / 'bench.db'}"
        environment = {
            "FACEPIPE_BROKER_URL": broker,
            "FACEPIPE_STORE_URL": store_url,
            "FACEPIPE_API_MASTER_KEY": MASTER_KEY,
            "FACEPIPE_API_RATE_LIMIT": "100000",
            "FACEPIPE_SOURCE_HTTP_ALLOW_NETWORKS": '["127.0.0.0/8"]',
        }
        os.environ.update(environment)
        settings = Settings()
        store = ResultStore.open(store_url)
        api_port, hook_port = free_port(), free_port()
        (work / "receiver.py").write_text(RECEIVER_APP)
        stack.enter_context(process(celery("realtime", 2), environment, work / "worker.log"))
        stack.enter_context(process(celery("webhooks", 8), environment, work / "hooks.log"))
        stack.enter_context(
            process(
                [sys.executable, "-m", "uvicorn", "--factory", "pipeline.api.server:api_app",
                 "--port", str(api_port), "--log-level", "warning"],
                environment,
                work / "api.log",
            )
        )  # fmt: skip
        stack.enter_context(
            process(
                [sys.executable, "-m", "uvicorn", "--app-dir", str(work), "receiver:app",
                 "--port", str(hook_port), "--log-level", "warning"],
                environment,
                work / "receiver.log",
            )
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{api_port}"
        wait_for(base_url + "/healthz")
        wait_for(f"http://127.0.0.1:{hook_port}/")
        key = KeyRing(store.api_keys, MASTER_KEY).create("bench-client")
        engine = engine_ms(data)
        sync = {}
        for clients in (1, 4, 16):
            values = latencies(base_url, key, body, clients, args.requests)
            sync[f"{clients}_clients"] = percentiles(values)
        one_client_p50 = sync["1_clients"]["p50_ms"]
        result = {
            "image_bytes": len(data),
            "engine_detect_ms": round(engine, 1),
            "sync_detect": sync,
            "p50_overhead_ms_at_1_client": round(one_client_p50 - engine, 1),
            "target_overhead_ms": 30,
            "webhooks": delivery_rate(
                store, settings, data, args.deliveries, f"http://127.0.0.1:{hook_port}/hook"
            ),
            "signature_check": {
                "face_256px": signature_check(store, thumbnail(data, 256)),
                "photo": signature_check(store, data, checks=200),
            },
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
