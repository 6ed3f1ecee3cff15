"""The face library and 1:N search over the running service: `/green/sface/*`, scene `sface-n`
on `/green/image/scan` and `/asyncscan` + `/results`, and `/green/sface/search`, with real
photos of `faces/` enrolled and searched by the Celery workers."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from sqlalchemy import update

from pipeline.keys import KeyRing
from pipeline.store.schema import jobs
from pipeline.webhooks import verify
from tests.service.conftest import MASTER_KEY, Service
from tests.support import require_fixtures, wait_until


@cache
def photo(name: str) -> str:
    return (
        "base64://" + base64.b64encode((require_fixtures() / "faces" / name).read_bytes()).decode()
    )


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == 200, body
    return body


def enrol(service: Service, group: str, person: str, *photos: str, **kwargs: Any) -> list[Any]:
    ok(service.post("/green/sface/person/add", {"personId": person, "groupIds": [group]}, **kwargs))
    body = {"personId": person, "urls": [photo(name) for name in photos]}
    answer = ok(service.post("/green/sface/face/add", body, timeout=60, **kwargs))
    items: list[Any] = answer["data"]["faceImageItems"]
    return items


@pytest.fixture(scope="module")
def staff(service: Service) -> str:
    """A group of three persons enrolled from photos, for the searches below."""
    group = "staff-" + uuid.uuid4().hex[:6]
    for person, photos in (
        ("obama", ("obama.jpg", "obama3.jpg")),
        ("biden", ("biden.jpg",)),
        ("kit", ("kit_harington.jpg",)),
    ):
        items = enrol(service, group, f"{group}-{person}", *photos)
        assert [item["success"] for item in items] == [True] * len(photos), items
    return group


def scan(service: Service, group: str, *photos: str) -> list[dict[str, Any]]:
    tasks = [{"dataId": name, "url": photo(name), "extras": {"groupId": group}} for name in photos]
    body = {"scenes": ["sface-n"], "tasks": tasks}
    data: list[dict[str, Any]] = ok(service.post("/green/image/scan", body, timeout=60))["data"]
    return data


def matched(result: dict[str, Any]) -> list[str | None]:
    """The best person of each face found, the group's prefix dropped; None: no match."""
    (scene,) = result["results"]
    return [
        face["faces"][0]["id"].split("-", 2)[-1] if face["faces"] else None
        for face in scene["sfaceData"]
    ]


def test_enrolled_persons_are_found_and_strangers_are_not(service: Service, staff: str) -> None:
    group_photo, stranger, other_photo = scan(
        service, staff, "obama_and_biden.jpg", "rose_leslie.jpg", "obama_1080p.jpg"
    )
    assert group_photo["code"] == 200
    assert group_photo["dataId"] == "obama_and_biden.jpg"
    assert {"obama", "biden"} <= set(matched(group_photo))
    (scene,) = group_photo["results"]
    assert (scene["scene"], scene["label"], scene["suggestion"]) == ("sface-n", "sface", "review")
    best = scene["sfaceData"][0]["faces"][0]
    assert 0 < best["rate"] <= 100
    assert matched(stranger) == [None]
    assert stranger["results"][0]["label"] == "normal"
    assert matched(other_photo) == ["obama"]


def test_a_face_the_gate_refuses_is_not_enrolled(service: Service, staff: str) -> None:
    # kit_harington2.jpg is a profile (yaw past 30 degrees); obama.jpg is fine.
    items = enrol(service, staff, f"{staff}-kit2", "kit_harington2.jpg", "obama.jpg")
    refused, accepted = items
    assert (refused["success"], refused["code"]) == (False, 471)
    assert "yaw" in refused["msg"]
    assert refused["faceId"] is None
    assert accepted["success"]
    assert accepted["faceId"] > 0
    person = ok(service.post("/green/sface/person", {"personId": f"{staff}-kit2"}))["data"]
    assert person["faceIds"] == [str(accepted["faceId"])]


def test_a_person_from_creation_to_deletion(service: Service) -> None:
    group, person = "people-" + uuid.uuid4().hex[:6], "p-" + uuid.uuid4().hex[:6]
    (item,) = enrol(service, group, person, "biden.jpg")
    ok(service.post("/green/sface/person/update", {"personId": person, "name": "Joe"}))
    ok(service.post("/green/sface/person/groups/add", {"personId": person, "groupIds": ["x1"]}))
    got = ok(service.post("/green/sface/person", {"personId": person}))["data"]
    assert (got["name"], got["groupIds"]) == ("Joe", sorted([group, "x1"]))
    faces = ok(service.post("/green/sface/faces", {"personId": person}))["data"]
    assert [face["faceId"] for face in faces["faceImageItems"]] == [item["faceId"]]
    listed = ok(service.post("/green/sface/group/persons", {"groupId": group}))["data"]
    assert (listed["personIds"], listed["totalCount"]) == ([person], 1)
    assert group in ok(service.post("/green/sface/groups", None))["data"]["groupIds"]

    # Found with the plain search route...
    answer = ok(service.post("/green/sface/search", {"groupId": group, "url": photo("biden2.jpg")}))
    (face,) = answer["data"]["faces"]
    assert face["match"] == person
    assert face["persons"][0]["name"] == "Joe"
    # ...and not once its face is deleted (descriptor and all).
    deleted = ok(
        service.post("/green/sface/face/delete", {"personId": person, "faceIds": [item["faceId"]]})
    )["data"]
    assert deleted["deleteCount"] == 1
    answer = ok(service.post("/green/sface/search", {"groupId": group, "url": photo("biden2.jpg")}))
    assert answer["data"]["faces"][0]["match"] is None

    gone = ok(service.post("/green/sface/person/delete", {"personId": person}))["data"]
    assert gone["deleteCount"] == 0
    missing = service.post("/green/sface/person", {"personId": person}).json()
    assert missing["code"] == 404


def test_another_account_sees_nothing_of_this_one(service: Service, staff: str) -> None:
    other = KeyRing(service.store.api_keys, MASTER_KEY).create("account-7")
    person = f"{staff}-obama"
    assert (
        service.post("/green/sface/person", {"personId": person}, key=other).json()["code"] == 404
    )
    deleted = service.post("/green/sface/person/delete", {"personId": person}, key=other).json()
    assert deleted["code"] == 404
    assert ok(service.post("/green/sface/groups", None, key=other))["data"]["groupIds"] == []
    body = {"groupId": staff, "url": photo("obama.jpg")}
    assert service.post("/green/sface/search", body, key=other).json()["code"] == 404
    # Its own group of the same name is searched, not this account's.
    ok(service.post("/green/sface/person/add", {"personId": "zed", "groupIds": [staff]}, key=other))
    answer = ok(service.post("/green/sface/search", body, key=other, timeout=30))
    assert answer["data"]["faces"][0]["match"] is None
    assert ok(service.post("/green/sface/person", {"personId": person}))["data"]["faceIds"]


def test_ids_and_limits_have_their_codes(service: Service) -> None:
    key = KeyRing(service.store.api_keys, MASTER_KEY).create("account-8")
    bad_id = service.post(
        "/green/sface/person/add", {"personId": "a b", "groupIds": ["g"]}, key=key
    )
    assert (bad_id.status_code, bad_id.json()["code"]) == (400, 400)
    too_long = service.post(
        "/green/sface/person/add", {"personId": "x" * 33, "groupIds": ["g"]}, key=key
    )
    assert too_long.status_code == 400
    groups = [f"g{i}" for i in range(100)]
    ok(service.post("/green/sface/person/add", {"personId": "many", "groupIds": groups}, key=key))
    over = service.post(
        "/green/sface/person/add", {"personId": "one", "groupIds": ["g100"]}, key=key
    )
    assert (over.status_code, over.json()["code"]) == (200, 467)
    urls = [service.local.url("/face.jpg")] * 21
    too_many = service.post("/green/sface/face/add", {"personId": "many", "urls": urls}, key=key)
    assert too_many.status_code == 400
    other_scene = {
        "scenes": ["porn"],
        "tasks": [{"url": photo("biden.jpg"), "extras": {"groupId": "g1"}}],
    }
    assert service.post("/green/image/scan", other_scene, key=key).status_code == 400


def test_async_search_calls_back_and_is_polled_until_it_expires(
    service: Service, staff: str
) -> None:
    receiver = service.local.receiver
    receiver.received.clear()
    body = {
        "scenes": ["sface-n"],
        "tasks": [{"dataId": "q", "url": photo("obama3.jpg"), "extras": {"groupId": staff}}],
        "callback": service.local.url("/hook"),
        "seed": "s-1",
    }
    (accepted,) = ok(service.post("/green/image/asyncscan", body))["data"]
    task_id = accepted["taskId"]
    wait_until(lambda: receiver.received or None, timeout=30, what="the search callback")
    _, headers, raw = receiver.received[0]
    content = json.loads(
        verify(raw, headers, uid="account-1", seed="s-1", webhook_secret=service.key.webhook_secret)
    )
    assert content["taskId"] == task_id
    assert matched(content) == ["obama"]

    polled = ok(service.post("/green/image/results", [task_id, "f" * 32]))["data"]
    assert matched(polled[0]) == ["obama"]
    assert polled[1] == {"code": 404, "msg": "no such task", "taskId": "f" * 32}
    with service.store.engine.begin() as connection:
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1, minutes=1)
        connection.execute(
            update(jobs).where(jobs.c.task_id == task_id).values(finished_at=an_hour_ago)
        )
    (expired,) = ok(service.post("/green/image/results", [task_id]))["data"]
    assert expired == {"code": 594, "msg": "EXPIRED", "taskId": task_id}


def test_a_search_in_a_group_that_does_not_exist(service: Service, staff: str) -> None:
    body = {"groupId": "nobody-" + staff, "url": photo("obama.jpg")}
    answer = service.post("/green/sface/search", body).json()
    assert answer["code"] == 404
    assert "nobody-" in answer["msg"]


def test_uploads_under_a_library_prefix_enrol_for_its_account_only(service: Service) -> None:
    event = {
        "Records": [
            {
                "eventName": "s3:ObjectCreated:Put",
                "s3": {
                    "bucket": {"name": "photos"},
                    "object": {"key": "library/ann/1.jpg", "eTag": "e1"},
                },
            }
        ]
    }
    own = ok(service.post("/events/s3", event))
    record = service.store.get(own["taskIds"][0])
    assert record is not None
    assert (record.spec.kind, dict(record.spec.params)) == (
        "enroll",
        {"account": "account-1", "group": "uploads", "person": "ann"},
    )
    # Another account's key gets a plain detect job: it cannot enrol into account-1's library.
    other = KeyRing(service.store.api_keys, MASTER_KEY).create("account-9")
    theirs = ok(service.post("/events/s3", event, key=other))
    record = service.store.get(theirs["taskIds"][0])
    assert record is not None
    assert record.spec.kind == "detect"
