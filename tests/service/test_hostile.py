"""What a hostile but realistic client tries, against the running service: every job ends
with its code and one callback, buckets are scoped per account, and no input gets a 500 or
an answer that shows internals."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from pipeline.jobs import JobSpec
from pipeline.keys import KeyRing
from pipeline.signatures.facepipe import signed_headers
from pipeline.sources import ImageRef
from pipeline.store import ResultStore
from pipeline.store.schema import jobs
from pipeline.webhooks import verify
from tests.service.conftest import FACE, MASTER_KEY, Service, answers
from tests.support import LocalSite, free_port, wait_until

FACE_B64 = "base64://" + base64.b64encode(FACE).decode()
# What an answer must never show: SQL, driver names, addresses, tracebacks.
INTERNALS = ("SELECT", "INSERT", "sqlite", "psycopg", "Traceback", "127.0.0.1", "redis", "File ")


def assert_clean(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    assert_no_internals(response)


def assert_no_internals(response: httpx.Response) -> None:
    for marker in INTERNALS:
        assert marker not in response.text, (marker, response.text)


def callbacks_for(service: Service, task_id: str) -> list[dict[str, object]]:
    found = []
    for _, headers, raw in service.local.receiver.received:
        content = json.loads(verify(raw, headers, uid="account-1", seed="s"))
        if content.get("taskId") == task_id:
            found.append(content)
    return found


# -- every job reaches a final state ------------------------------------------------------


def test_a_url_that_always_fails_ends_with_its_code_and_one_callback(service: Service) -> None:
    body = {"url": service.local.url("/broken.jpg"), "callback": service.local.url("/hook")}
    task_id = service.post("/green/face/asyncdetect", body | {"seed": "s"}).json()["taskId"]
    # 5 retries with backoff capped at 1 s here: well within 30 s.
    wait_until(lambda: callbacks_for(service, task_id), timeout=30, what="the final callback")
    record = service.store.get(task_id)
    assert record is not None
    assert (record.status, record.error_code, record.retries) == ("failed", 503, 5)
    polled = service.post("/green/face/results", [task_id]).json()["data"][0]
    assert polled["code"] == 503
    time.sleep(1.5)  # a second callback would come within a few sweep intervals
    assert len(callbacks_for(service, task_id)) == 1


def stall(service: Service, url: str, **values: object) -> str:
    """A job submitted with a callback but never sent to a worker, then made to look like
    one whose message was lost an hour ago with `values` (status, retries, error...)."""
    task_id = service.store.submit(
        [_spec(url)],
        queue="realtime",
        callback_url=service.local.url("/hook"),
        callback_seed="s",
        callback_key=service.key.key_id,
        owner_key=service.key.key_id,
    )[0].task_id
    with service.store.engine.begin() as connection:
        connection.execute(
            update(jobs)
            .where(jobs.c.task_id == task_id)
            .values(updated_at=datetime.now(UTC) - timedelta(hours=1), **values)
        )
    return task_id


def test_a_lost_job_with_retries_left_is_sent_again_by_the_sweep(service: Service) -> None:
    task_id = stall(service, service.local.url(f"/face.jpg?n={uuid.uuid4().hex}"), status="running")
    [content] = wait_until(lambda: callbacks_for(service, task_id), 30, "the redriven job")
    assert content["code"] == 200
    record = service.store.get(task_id)
    assert record is not None
    assert record.status == "succeeded"


def test_a_lost_job_without_retries_left_is_failed_by_the_sweep(service: Service) -> None:
    task_id = stall(
        service,
        service.local.url("/broken.jpg"),
        status="retrying",
        retries=5,
        error_code=408,
        error_name="DownloadTimeout",
        error_msg="downloading took longer than 3 s",
    )
    [content] = wait_until(lambda: callbacks_for(service, task_id), 30, "the sweep's callback")
    assert content["code"] == 408
    record = service.store.get(task_id)
    assert record is not None
    assert (record.status, record.error_code) == ("failed", 408)


def _spec(url: str) -> JobSpec:
    return JobSpec("detect", ImageRef(url), params={"call": uuid.uuid4().hex})


def test_slow_urls_do_not_hold_the_analysis_pool(service: Service) -> None:
    # Eight downloads of 4 s each: on the analysis pool's 2 processes they would block it
    # for 16 s; on the fetch workers they wait while the analysis goes on.
    slow = [{"url": service.local.url(f"/slow.jpg?n={uuid.uuid4().hex}")} for _ in range(8)]
    accepted = service.post("/green/face/asyncdetect", {"tasks": slow}).json()
    task_ids = [item["taskId"] for item in accepted["data"]]
    time.sleep(1.0)  # every slow job has reached the fetch queue
    body = service.post("/green/face/detect", {"url": FACE_B64}).json()
    assert body["code"] == 200, body  # within the 2.5 s sync deadline
    wait_until(
        lambda: all(r.status == "succeeded" for r in service.store.find(task_ids=task_ids)),
        30,
        "the slow jobs",
    )


# -- bucket access ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "s3://private-bucket/secret.jpg",
        "oss://private.oss-cn-hangzhou.aliyuncs.com/secret.jpg",
        "s3://own-x/a.jpg",
    ],
)
def test_buckets_outside_the_policy_are_refused_with_403(service: Service, url: str) -> None:
    other = KeyRing(service.store.api_keys, MASTER_KEY).create("account-2")
    response = service.post("/green/face/detect", {"url": url}, key=other)
    assert (response.status_code, response.json()["code"]) == (403, 403), response.text
    async_response = service.post("/green/face/asyncdetect", {"url": url}, key=other)
    assert async_response.status_code == 403


def test_an_account_may_name_its_own_buckets(service: Service) -> None:
    # Allowed for account-1: the job is made (and fails at the bucket, which does not exist).
    response = service.post("/green/face/asyncdetect", {"url": "s3://own-x/a.jpg"})
    assert response.json()["code"] == 200, response.text


@pytest.mark.parametrize(
    "url",
    [
        "oss://photos.127.0.0.1:8443/key.jpg",
        "oss://photos.localhost/key.jpg",
        "oss://photos.oss-cn-hangzhou.aliyuncs.com:8443/key.jpg",
        "oss://photos.evil.example/key.jpg",
    ],
)
def test_an_oss_endpoint_in_the_uri_must_be_an_allowed_host(service: Service, url: str) -> None:
    body = service.post("/green/face/detect", {"url": url}).json()
    assert (body["code"], body["error"]) == (480, "UnsafeUrl"), body


def test_events_may_name_allowed_buckets_only(service: Service) -> None:
    def event(bucket: str) -> dict[str, object]:
        s3 = {"bucket": {"name": bucket}, "object": {"key": f"{uuid.uuid4().hex}.jpg"}}
        return {"Records": [{"eventName": "ObjectCreated:Put", "s3": s3}]}

    other = KeyRing(service.store.api_keys, MASTER_KEY).create("account-2")
    token = {"Authorization": f"Bearer {other.key_id}:{other.secret}"}
    url = service.base_url + "/events/s3"
    refused = httpx.post(url, json=event("private-bucket"), headers=token)
    assert (refused.status_code, refused.json()["code"]) == (403, 403)
    accepted = httpx.post(url, json=event("photos"), headers=token).json()
    assert accepted["enqueued"] == 1
    # The sender owns what it triggered; other non-admin keys do not see it.
    [task_id] = accepted["taskIds"]
    own = service.post("/green/face/results", [task_id], key=other).json()["data"][0]
    assert own["code"] != 404
    foreign = service.post("/green/face/results", [task_id]).json()["data"][0]
    assert foreign["code"] == 404


def test_jobs_no_key_submitted_are_read_by_admin_keys_only(service: Service) -> None:
    # A backfill's job: no owner.
    [submission] = service.store.submit([_spec("s3://photos/backfilled.jpg")], queue="bulk")
    task_id = submission.task_id
    plain = service.post("/green/face/results", [task_id]).json()["data"][0]
    assert plain["code"] == 404
    admin = KeyRing(service.store.api_keys, MASTER_KEY).create("ops", admin=True)
    seen = service.post("/green/face/results", [task_id], key=admin).json()["data"][0]
    assert seen["code"] == 280  # never sent to a worker: still queued, but visible


# -- no 500, no internals -----------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"url": FACE_B64, "dataId": "a\u0000b"},
        {"url": "http://example.com/a\u0000.jpg"},
        {"url": FACE_B64, "callback": "http://example.com/hook", "seed": "s\u0000"},
    ],
    ids=["dataId", "url", "seed"],
)
def test_nul_characters_are_refused_as_malformed(service: Service, body: object) -> None:
    response = service.post("/green/face/asyncdetect", body)
    assert_clean(response)
    assert (response.status_code, response.json()["code"]) == (400, 400)


def test_task_ids_that_cannot_exist_are_not_found(service: Service) -> None:
    ids = ["x" * 5000, "' or 1=1 --", "f" * 32]
    response = service.post("/green/face/results", ids)
    assert_clean(response)
    assert [item["code"] for item in response.json()["data"]] == [404] * 3
    with_nul = service.post("/green/face/results", ["a\u0000b"])
    assert_clean(with_nul)
    assert (with_nul.status_code, with_nul.json()["code"]) == (400, 400)


@pytest.mark.parametrize(
    "body",
    [
        b'{"Records": 5}',
        b'{"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "photos"}}}]}',
        b"\xff\xfe\x00garbage",
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=["records-not-a-list", "no-object", "not-utf8", "deep"],
)
def test_malformed_events_are_400(service: Service, body: bytes) -> None:
    token = {"Authorization": f"Bearer {service.key.key_id}:{service.key.secret}"}
    response = httpx.post(service.base_url + "/events/s3", content=body, headers=token)
    assert_clean(response)
    assert (response.status_code, response.json()["code"]) == (400, 400)


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Facepipe-Timestamp": "9" * 5000},
        {"X-Facepipe-Timestamp": "\uff11\uff12\uff13"},
        {"X-Facepipe-Signature": "ü" * 64},
        {"Sign": "é", "AppKey": "k", "Timestamp": "1" * 5000},
    ],
    ids=["long-stamp", "fullwidth-stamp", "non-ascii-signature", "ctyun-long-stamp"],
)
def test_odd_signature_headers_are_401(service: Service, headers: dict[str, str]) -> None:
    path, content = "/green/face/results", json.dumps(["x"]).encode()
    signed = signed_headers(service.key.key_id, service.key.secret, "POST", path, content)
    raw_headers = [(k.encode(), v.encode()) for k, v in (signed | headers).items()]
    response = httpx.post(service.base_url + path, content=content, headers=raw_headers)
    assert_clean(response)
    assert response.status_code == 401


def test_an_unparseable_url_is_a_400_result(service: Service) -> None:
    body = service.post("/green/face/detect", {"url": "http://[::1/x.jpg"}).json()
    assert (body["code"], body["error"]) == (400, "InvalidRequest")


def test_bodies_the_framework_rejects_answer_in_the_documented_shape(service: Service) -> None:
    deep = service.request("POST", "/green/face/detect", raw=b"[" * 100_000)
    assert (deep.status_code, deep.json()["code"]) == (400, 400)
    not_utf8 = service.request("POST", "/green/face/detect", raw=b'{"url": "\xff\xfe"}')
    assert (not_utf8.status_code, not_utf8.json()["code"]) == (400, 400)

    def chunks() -> object:
        for _ in range(9):
            yield b" " * 2**20

    path = "/green/face/detect"
    signed = signed_headers(service.key.key_id, service.key.secret, "POST", path, b"")
    chunked = httpx.post(service.base_url + path, content=chunks(), headers=signed)  # type: ignore[arg-type]
    assert (chunked.status_code, chunked.json()["code"]) == (413, 464)
    unknown = service.post("/no/such/route", {})
    assert (unknown.status_code, unknown.json()["code"]) == (404, 404)


def test_authentication_comes_before_the_body_is_read(service: Service) -> None:
    response = httpx.post(service.base_url + "/green/face/detect", content=b"{not json")
    assert (response.status_code, response.json()["code"]) == (401, 401)


def test_ctyun_sign_covers_the_query(service: Service) -> None:
    path, content = "/green/face/detect", json.dumps({"url": FACE_B64}).encode()
    stamp = str(int(time.time() * 1000))
    key, secret = service.key.key_id, service.key.secret
    path_only = hashlib.md5((key + secret + stamp + path).encode() + content).hexdigest()
    headers = {"AppKey": key, "Timestamp": stamp, "Sign": path_only}
    response = httpx.post(service.base_url + path + "?format=imm", content=content, headers=headers)
    assert response.status_code == 401


def test_a_nonce_is_accepted_once(service: Service) -> None:
    path, content = "/green/face/results", json.dumps(["x"]).encode()
    nonce = uuid.uuid4().hex
    headers = signed_headers(
        service.key.key_id, service.key.secret, "POST", path, content, nonce=nonce
    )
    headers["Content-Type"] = "application/json"
    first = httpx.post(service.base_url + path, content=content, headers=headers)
    assert first.status_code == 200, first.text
    again = httpx.post(service.base_url + path, content=content, headers=headers)
    assert (again.status_code, again.json()["code"]) == (401, 401)
    assert "used before" in again.json()["msg"]


def test_oversized_headers_are_refused(service: Service) -> None:
    url = service.base_url + "/green/face/results"
    over = httpx.post(url, json=["x"], headers={"X-Padding": "a" * 70_000})
    assert (over.status_code, over.json()["code"]) == (431, 431)
    try:
        status = httpx.post(url, json=["x"], headers={"X-Padding": "a" * 2**20}).status_code
    except httpx.TransportError:
        status = None  # h11 stopped buffering the head and closed the connection
    assert status in (None, 400)
    assert httpx.get(service.base_url + "/healthz").status_code == 200  # still serving


def test_a_finished_jobs_inline_payload_leaves_redis(service: Service) -> None:
    import redis  # noqa: PLC0415

    from pipeline.broker import redis_py_url  # noqa: PLC0415
    from pipeline.sources.inline import KEY_PREFIX  # noqa: PLC0415

    client = redis.Redis.from_url(redis_py_url(service.environment["FACEPIPE_BROKER_URL"]))
    response = service.post("/green/face/detect", {"url": FACE_B64}).json()
    assert response["code"] == 200
    record = service.store.get(response["taskId"])
    assert record is not None
    parked = KEY_PREFIX + record.spec.source.uri.removeprefix("inline://")
    assert client.exists(parked) == 0


@pytest.fixture(scope="module")
def api_without_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`facepipe api` whose Redis is down (nothing listens on its port)."""
    tmp = tmp_path_factory.mktemp("no-broker")
    store_url = f"sqlite:///{tmp / 'store.db'}"
    store = ResultStore.open(store_url)
    environment = {
        "FACEPIPE_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0",
        "FACEPIPE_STORE_URL": store_url,
        "FACEPIPE_API_MASTER_KEY": MASTER_KEY,
    }
    port = free_port()
    api = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "api", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **environment},
        stdout=(tmp / "api.log").open("ab"),
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(base_url), timeout=30, what="the API to answer")
        key = KeyRing(store.api_keys, MASTER_KEY).create("account-1")
        yield Service(base_url, store, key, LocalSite(0), environment)
    finally:
        api.terminate()
        api.wait(timeout=10)
        store.close()


def test_a_broker_that_is_down_answers_503_without_its_address(
    api_without_broker: Service,
) -> None:
    service = api_without_broker
    port = service.environment["FACEPIPE_BROKER_URL"].rsplit(":", 1)[1].split("/")[0]
    path, content = "/green/face/detect", json.dumps({"url": FACE_B64}).encode()
    with httpx.Client(base_url=service.base_url, timeout=30) as client:
        for _ in range(2):  # the same keep-alive connection answers twice
            signed = signed_headers(service.key.key_id, service.key.secret, "POST", path, content)
            response = client.post(path, content=content, headers=signed)
            assert (response.status_code, response.json()["code"]) == (503, 503), response.text
            assert response.json()["error"] == "ServiceUnavailable"
            assert port not in response.text
            assert_no_internals(response)
            assert response.headers.get("connection") != "close"
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"broker": "unavailable", "store": "ok"}
