"""The HTTP service end to end: uvicorn, a Celery worker, Redis and the store, all real."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.keys import KeyRing
from pipeline.signatures.facepipe import signed_headers
from pipeline.webhooks import WebhookVerifyError, verify
from tests.service.conftest import FACE, MASTER_KEY, Service
from tests.support import example_photos, face_jpeg, noise_png, readme_block, wait_until

FACE_B64 = "base64://" + base64.b64encode(FACE).decode()


def test_sync_detect_answers_within_the_deadline_in_the_green_shape(service: Service) -> None:
    started = time.monotonic()
    response = service.post("/green/face/detect", {"dataId": "d-1", "url": FACE_B64})
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 200
    assert body["dataId"] == "d-1"
    assert len(body["taskId"]) == 32
    assert len(body["faces"]) == 1
    assert set(body["faces"][0]["quality"]) == {"blur", "pitch", "yaw", "roll"}
    assert elapsed < 2.5  # the configured sync deadline


def test_the_readme_http_example_runs(
    service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example_photos(tmp_path)
    monkeypatch.chdir(tmp_path)
    code = readme_block("python", "signed_headers").replace(
        "http://127.0.0.1:8080", service.base_url
    )
    namespace: dict[str, Any] = {"APP_KEY": service.key.key_id, "APP_SECRET": service.key.secret}
    exec(code, namespace)
    answer = namespace["answer"]
    assert answer["code"] == 200, answer
    assert len(answer["faces"]) == 1, answer


def test_sync_detect_past_the_deadline_answers_581_and_the_task_can_be_polled(
    service: Service,
) -> None:
    response = service.post("/green/face/detect", {"url": service.local.url("/slow.jpg")})
    body = response.json()
    assert response.status_code == 200
    assert (body["code"], body["error"]) == (581, "SyncTimeout")
    task_id = body["taskId"]
    pending = service.post("/green/face/results", [task_id]).json()["data"][0]
    assert pending == {"code": 280, "msg": "PROCESSING", "taskId": task_id}

    def finished() -> dict[str, object] | None:
        result = service.post("/green/face/results", [task_id]).json()["data"][0]
        return result if result["code"] != 280 else None

    result = wait_until(finished, timeout=30, what="the slow task to finish")
    assert result["code"] == 200
    assert len(result["faces"]) == 1


def test_sync_detect_renders_the_ctyun_and_imm_dialects(service: Service) -> None:
    ctyun = service.post("/green/face/detect?format=ctyun", {"url": FACE_B64}).json()
    assert (ctyun["code"], ctyun["message"]) == ("0", "success")
    assert ctyun["result"]["face_num"] == 1
    assert set(ctyun["result"]["face_list"][0]) == {"face_location", "gender", "age"}
    imm = service.post("/green/face/detect?format=imm", {"url": FACE_B64}).json()
    assert len(imm["Figures"]) == 1
    assert imm["Figures"][0]["Gender"] in {"male", "female"}
    broken = "base64://" + base64.b64encode(FACE[:200]).decode()
    failed = service.post("/green/face/detect?format=ctyun", {"url": broken}).json()
    assert failed == {"code": 4104, "message": "error", "details": failed["details"]}
    refused = service.post("/green/face/detect?format=xml", {"url": FACE_B64})
    assert refused.status_code == 400


def test_async_detect_in_a_dialect_calls_back_and_polls_in_it(service: Service) -> None:
    receiver = service.local.receiver
    receiver.received.clear()
    body = {"url": FACE_B64, "callback": service.local.url("/hook"), "seed": "s"}
    task_id = service.post("/green/face/asyncdetect?format=imm", body).json()["taskId"]
    wait_until(lambda: len(receiver.received) >= 1, timeout=30, what="the callback")
    _, headers, raw = receiver.received[0]
    content = json.loads(verify(raw, headers, uid="account-1", seed="s"))
    assert content["RequestId"] == task_id
    assert len(content["Figures"]) == 1
    polled = service.post("/green/face/results", [task_id]).json()["data"][0]
    assert polled == content


def test_image_failures_come_back_with_their_codes(service: Service) -> None:
    broken = "base64://" + base64.b64encode(FACE[:200]).decode()
    body = service.post("/green/face/detect", {"url": broken}).json()
    assert (body["code"], body["error"]) == (422, "ImageDecodeFailed")
    unknown = service.post("/green/face/results", ["f" * 32]).json()["data"][0]
    assert unknown["code"] == 404


def test_compare_in_cloudauth_and_ctyun_shapes(service: Service) -> None:
    body = {"SourceImageValue": FACE_B64, "TargetImageValue": FACE_B64}
    cloudauth = service.post("/green/face/compare", body).json()
    assert cloudauth["Success"] is True
    assert cloudauth["Data"]["SimilarityScore"] > 90
    assert set(json.loads(cloudauth["Data"]["ConfidenceThresholds"])) == {"0.0001", "0.001", "0.01"}
    raw = base64.b64encode(FACE).decode()
    ctyun = service.post("/green/face/compare", {"img1Base64": raw, "img2Base64": raw}).json()
    assert ctyun["code"] == "0"
    assert 0.9 < ctyun["result"] <= 1.0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", 400),
        (json.dumps({"dataId": 5}).encode(), 400),  # url missing
        (json.dumps({"url": 17}).encode(), 400),
        (json.dumps({"url": "http://x/" + "a" * 2100}).encode(), 465),
        (json.dumps({"url": "file:///etc/passwd"}).encode(), 400),
    ],
)
def test_malformed_requests_get_their_documented_codes(
    service: Service, body: bytes, code: int
) -> None:
    response = service.request("POST", "/green/face/detect", raw=body)
    assert response.json()["code"] == code, response.text
    assert response.status_code < 500


def test_a_body_over_8_mb_is_refused_before_it_is_read(service: Service) -> None:
    response = service.request("POST", "/green/face/detect", raw=b"{" + b" " * (8 * 2**20 + 10))
    assert response.status_code == 413
    assert response.json()["code"] == 464


def test_a_compare_image_over_2_mb_has_its_own_code(service: Service) -> None:
    big = "base64://" + "A" * (3 * 2**20)
    body = {"SourceImageValue": big, "TargetImageValue": FACE_B64}
    response = service.post("/green/face/compare", body)
    assert (response.status_code, response.json()["code"]) == (413, 466)


def test_auth_failures(service: Service) -> None:
    path, content = "/green/face/results", json.dumps(["x"]).encode()
    unsigned = httpx.post(service.base_url + path, content=content)
    assert (unsigned.status_code, unsigned.json()["error"]) == (401, "Unauthorized")

    headers = signed_headers(service.key.key_id, "wrong-secret", "POST", path, content)
    assert httpx.post(service.base_url + path, content=content, headers=headers).status_code == 401

    stale = signed_headers(
        service.key.key_id, service.key.secret, "POST", path, content, now=time.time() - 3600
    )
    response = httpx.post(service.base_url + path, content=content, headers=stale)
    assert response.status_code == 401
    assert "stale" in response.json()["msg"]

    tampered = signed_headers(service.key.key_id, service.key.secret, "POST", path, content)
    response = httpx.post(service.base_url + path, content=b'["y"]', headers=tampered)
    assert response.status_code == 401
    assert "mismatch" in response.json()["msg"]

    keyring = KeyRing(service.store.api_keys, MASTER_KEY)
    revoked = keyring.create("account-2")
    assert service.post(path, ["x"], key=revoked).status_code == 200
    keyring.revoke(revoked.key_id)
    assert service.post(path, ["x"], key=revoked).status_code == 401


def test_a_key_polls_only_its_own_tasks(service: Service) -> None:
    task_id = service.post("/green/face/asyncdetect", {"url": FACE_B64}).json()["taskId"]
    other = KeyRing(service.store.api_keys, MASTER_KEY).create("account-3")
    seen_by_other = service.post("/green/face/results", [task_id], key=other).json()["data"][0]
    assert seen_by_other == {"code": 404, "msg": "no such task", "taskId": task_id}
    own = service.post("/green/face/results", [task_id]).json()["data"][0]
    assert own["taskId"] == task_id
    assert own["code"] in {200, 280}


def test_ctyun_md5_signature_is_accepted(service: Service) -> None:
    path, content = "/green/face/results", json.dumps(["x"]).encode()
    stamp = str(int(time.time() * 1000))
    key, secret = service.key.key_id, service.key.secret
    sign = hashlib.md5((key + secret + stamp + path).encode() + content).hexdigest()
    headers = {"AppKey": key, "Timestamp": stamp, "Sign": sign, "Content-Type": "application/json"}
    response = httpx.post(service.base_url + path, content=content, headers=headers)
    assert response.status_code == 200, response.text


def test_rate_limit_is_50_per_second_per_key(service: Service) -> None:
    key = KeyRing(service.store.api_keys, MASTER_KEY).create("account-rate")
    path, content = "/green/face/results", json.dumps(["x"]).encode()

    async def burst() -> tuple[list[httpx.Response], float]:
        async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:
            started = time.monotonic()
            responses = await asyncio.gather(
                *(
                    client.post(
                        path,
                        content=content,
                        headers={
                            "Content-Type": "application/json",
                            **signed_headers(key.key_id, key.secret, "POST", path, content),
                        },
                    )
                    for _ in range(80)
                )
            )
            return list(responses), time.monotonic() - started

    responses, seconds = asyncio.run(burst())
    ok = [r for r in responses if r.status_code == 200]
    throttled = [r for r in responses if r.status_code == 429]
    assert len(ok) + len(throttled) == 80
    # A moving one-second window: never more than 50 in any second of the burst.
    assert 50 <= len(ok) <= 50 * max(1, int(seconds) + 1), (len(ok), seconds)
    if seconds < 1:
        assert len(ok) == 50
    assert throttled[0].json()["code"] == 429
    assert int(throttled[0].headers["Retry-After"]) >= 1


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://10.0.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://100.100.100.200/",
    ],
)
def test_callbacks_to_private_addresses_are_refused(service: Service, url: str) -> None:
    body = {"url": FACE_B64, "callback": url, "seed": "s"}
    response = service.post("/green/face/asyncdetect", body)
    assert response.json()["code"] == 480, response.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/face.jpg",
        "http://10.0.0.1/face.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/face.jpg",
    ],
)
def test_image_urls_to_private_addresses_are_stored_as_480(service: Service, url: str) -> None:
    body = service.post("/green/face/detect", {"url": url}).json()
    assert (body["code"], body["error"]) == (480, "UnsafeUrl")


def test_a_redirect_to_a_private_address_is_refused(service: Service) -> None:
    url = service.local.url("/redirect?to=http://127.0.0.1:9/face.jpg")
    body = service.post("/green/face/detect", {"url": url}).json()
    assert (body["code"], body["error"]) == (480, "UnsafeUrl")


def test_async_detect_calls_back_with_checksum_and_signature(service: Service) -> None:
    receiver = service.local.receiver
    receiver.received.clear()
    body = {
        "tasks": [{"dataId": "a", "url": FACE_B64}, {"dataId": "b", "url": FACE_B64}],
        "callback": service.local.url("/hook"),
        "seed": "my-seed",
    }
    accepted = service.post("/green/face/asyncdetect", body).json()
    task_ids = {item["taskId"] for item in accepted["data"]}
    assert len(task_ids) == 2
    wait_until(lambda: len(receiver.received) >= 2, timeout=30, what="two callbacks")
    seen = set()
    for _, headers, raw in receiver.received:
        assert headers["content-type"].startswith("application/x-www-form-urlencoded")
        content = verify(
            raw,
            headers,
            uid="account-1",
            seed="my-seed",
            webhook_secret=service.key.webhook_secret,
        )
        seen.add(json.loads(content)["taskId"])
        with pytest.raises(WebhookVerifyError):
            verify(raw, headers, uid="account-1", seed="another-seed")
    assert seen == task_ids


def test_receiver_down_retries_on_schedule_then_dead_letter_then_replay_delivers_once(
    service: Service,
) -> None:
    receiver = service.local.receiver
    receiver.received.clear()
    receiver.statuses = [503, 503, 503, 503]  # the first attempt and all 3 retries fail
    body = {"url": FACE_B64, "callback": service.local.url("/hook"), "seed": "s"}
    task_id = service.post("/green/face/asyncdetect", body).json()["taskId"]
    deliveries = service.store.deliveries

    def dead() -> bool:
        found = deliveries.find(task_ids=[task_id])
        return bool(found) and found[0].status == "dead"

    wait_until(dead, timeout=60, what="the delivery to be dead-lettered")
    times = [at for at, _, _ in receiver.received]
    assert len(times) == 4
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    # Backoff 0.3 s x 2^(n-1), no jitter here; the scheduler looks every 0.2 s.
    for gap, due in zip(gaps, (0.3, 0.6, 1.2), strict=True):
        assert due - 0.05 <= gap <= due + 2.0, gaps
    ids = {headers["webhook-id"] for _, headers, _ in receiver.received}
    assert len(ids) == 1  # one stable id across the attempts

    receiver.received.clear()
    replay = service.request("POST", "/green/face/results", [task_id])  # still polled fine
    assert replay.json()["data"][0]["code"] == 200
    from typer.testing import CliRunner  # noqa: PLC0415

    from pipeline.cli import app  # noqa: PLC0415

    result = CliRunner().invoke(
        app, ["webhooks", "replay", "--task", task_id], env=service.environment
    )
    assert result.exit_code == 0, result.output
    assert "replayed 1" in result.output
    wait_until(lambda: deliveries.find(task_ids=[task_id])[0].status == "delivered", 30, "replay")
    time.sleep(1.0)  # a second delivery would arrive within the sweep interval
    assert len(receiver.received) == 1


def test_410_stops_retrying(service: Service) -> None:
    receiver = service.local.receiver
    receiver.received.clear()
    receiver.statuses = [410]
    body = {"url": FACE_B64, "callback": service.local.url("/hook"), "seed": "s"}
    task_id = service.post("/green/face/asyncdetect", body).json()["taskId"]
    deliveries = service.store.deliveries
    wait_until(
        lambda: (
            deliveries.find(task_ids=[task_id])[0].status == "gone"
            if deliveries.find(task_ids=[task_id])
            else None
        ),
        30,
        "the delivery to stop at 410",
    )
    time.sleep(1.0)
    assert len(receiver.received) == 1


def test_probes_and_metrics(service: Service) -> None:
    assert httpx.get(service.base_url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(service.base_url + "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"broker": "ok", "store": "ok"}
    metrics = httpx.get(service.base_url + "/metrics").text
    assert 'facepipe_queue_depth{queue="realtime"}' in metrics
    assert "facepipe_api_requests_total" in metrics


def test_retry_after_is_honoured(service: Service) -> None:
    receiver = service.local.receiver
    receiver.received.clear()
    receiver.statuses, receiver.retry_after = [429], "2"
    try:
        body = {"url": FACE_B64, "callback": service.local.url("/hook"), "seed": "s"}
        service.post("/green/face/asyncdetect", body)
        wait_until(lambda: len(receiver.received) >= 2, timeout=30, what="the retry")
    finally:
        receiver.retry_after = None
    first, second = receiver.received[0][0], receiver.received[1][0]
    assert second - first >= 2.0  # not the 0.3 s backoff


def test_bucket_events_are_ingested_once_with_a_bearer_token(service: Service) -> None:
    event = {
        "EventName": "s3:ObjectCreated:Put",
        "Records": [
            {
                "eventName": "s3:ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": "photos"},
                    "object": {"key": "new%201.jpg", "eTag": "e9"},
                },
            }
        ],
    }
    token = f"Bearer {service.key.key_id}:{service.key.secret}"
    url = service.base_url + "/events/minio"
    first = httpx.post(url, json=event, headers={"Authorization": token}).json()
    assert first["enqueued"] == 1
    record = service.store.get(first["taskIds"][0])
    assert record is not None
    assert (record.spec.source.uri, record.spec.source.etag) == ("s3://photos/new 1.jpg", "e9")
    again = httpx.post(url, json=event, headers={"Authorization": token}).json()
    assert again["enqueued"] <= 1  # re-sent only while unfinished, never a second job
    assert again.get("taskIds", first["taskIds"]) in ([], first["taskIds"])
    wrong = httpx.post(url, json=event, headers={"Authorization": f"Bearer {service.key.key_id}:x"})
    assert wrong.status_code == 401


# -- liveness ----------------------------------------------------------------------------

LARGE_FACE = face_jpeg(side=512)  # the astronaut's face ~100 px wide: wide enough to judge
FAS_PATH = "/v1/aiop/api/svc-1/face-fas-action/person/detectFasFromBase64"


def ctyun_post(service: Service, path: str, content: bytes) -> dict[str, Any]:
    """A request signed with ctyun's own scheme, as its clients send it."""
    stamp = str(int(time.time() * 1000))
    key, secret = service.key.key_id, service.key.secret
    sign = hashlib.md5((key + secret + stamp + path).encode() + content).hexdigest()
    headers = {"AppKey": key, "Timestamp": stamp, "Sign": sign, "Content-Type": "application/json"}
    response = httpx.post(service.base_url + path, content=content, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_sync_liveness_answers_each_face_with_its_verdict(service: Service) -> None:
    url = "base64://" + base64.b64encode(LARGE_FACE).decode()
    for path, body in (
        ("/green/face/liveness", {"url": url}),
        ("/green/face/detect", {"url": url, "liveness": True}),
    ):
        answer = service.post(path, body).json()
        assert answer["code"] == 200, answer
        (face,) = answer["faces"]
        assert face["liveness"]["value"] == "Live"
        assert 0.5 <= face["liveness"]["rate"] <= 1.0
    plain = service.post("/green/face/detect", {"url": url}).json()
    assert plain["faces"][0]["liveness"] is None


def test_a_face_too_small_to_judge_is_unclear(service: Service) -> None:
    answer = service.post("/green/face/liveness", {"url": FACE_B64}).json()
    assert answer["faces"][0]["liveness"] == {"value": "Unclear", "rate": None}


def test_async_liveness_calls_back_and_is_polled(service: Service) -> None:
    receiver = service.local.receiver
    receiver.received.clear()
    url = "base64://" + base64.b64encode(LARGE_FACE).decode()
    body = {"url": url, "callback": service.local.url("/hook"), "seed": "s"}
    task_id = service.post("/green/face/asyncliveness", body).json()["taskId"]
    wait_until(lambda: len(receiver.received) >= 1, timeout=30, what="the callback")
    _, headers, raw = receiver.received[0]
    content = json.loads(verify(raw, headers, uid="account-1", seed="s"))
    assert content["taskId"] == task_id
    assert content["faces"][0]["liveness"]["value"] == "Live"
    polled = service.post("/green/face/results", [task_id]).json()["data"][0]
    assert polled == content


def test_ctyun_face_anti_spoofing_answers_in_its_words(service: Service) -> None:
    content = json.dumps({"imageContent": base64.b64encode(LARGE_FACE).decode()}).encode()
    answer = ctyun_post(service, FAS_PATH, content)
    assert (answer["code"], answer["message"]) == ("0", "success")
    assert answer["result"]["face_num"] == 1
    (face,) = answer["result"]["face_list"]
    assert face["FaceAntiSpoofing"] == "活体人脸"
    assert set(face["face_location"]) == {"top", "left", "width", "height"}
    small = json.dumps({"imageContent": base64.b64encode(FACE).decode()}).encode()
    unclear = ctyun_post(service, FAS_PATH, small)["result"]["face_list"][0]
    assert unclear["FaceAntiSpoofing"] == "人脸清晰度差, 无法判断"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"{not json", 4102),
        (json.dumps({"image": "abc"}).encode(), 4101),
        (json.dumps({"imageContent": ""}).encode(), 4101),
        (json.dumps({"imageContent": "A" * (3 * 1024 * 1024)}).encode(), 4103),
        (json.dumps({"imageContent": base64.b64encode(b"not an image").decode()}).encode(), 4104),
        (json.dumps({"imageContent": base64.b64encode(noise_png()).decode()}).encode(), 4105),
    ],
    ids=["not-json", "no-image", "empty-image", "over-2-mb", "not-an-image", "no-face"],
)
def test_ctyun_face_anti_spoofing_errors_have_its_codes(
    service: Service, content: bytes, code: int
) -> None:
    answer = ctyun_post(service, FAS_PATH, content)
    assert answer["code"] == code, answer
    assert answer["message"] == "error"
    assert "Traceback" not in answer["details"]
