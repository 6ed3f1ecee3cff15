"""Bucket notifications in the shapes AWS S3, MinIO and Aliyun OSS send."""

from __future__ import annotations

import base64
import json

import pytest

from pipeline.errors import InvalidRequestError
from pipeline.events import parse_event
from pipeline.sources import ImageRef

S3_RECORD = {
    "eventVersion": "2.1",
    "eventSource": "aws:s3",
    "eventName": "ObjectCreated:Put",
    "s3": {
        "bucket": {"name": "photos", "arn": "arn:aws:s3:::photos"},
        "object": {"key": "id+photos/Zhang+San%2B1.jpg", "eTag": "abc123", "versionId": "v7"},
    },
}


def test_aws_s3_record_with_url_encoded_key() -> None:
    [ref] = parse_event(json.dumps({"Records": [S3_RECORD]}))
    assert ref == ImageRef(
        "s3://photos/id photos/Zhang San+1.jpg",
        etag="abc123",
        version="v7",
        data_id="id photos/Zhang San+1.jpg",
    )


def test_test_events_and_deletions_make_no_jobs() -> None:
    assert parse_event({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "x"}) == []
    removed = {**S3_RECORD, "eventName": "ObjectRemoved:Delete"}
    assert parse_event({"Records": [removed]}) == []


def test_sns_envelope() -> None:
    envelope = {"Type": "Notification", "Message": json.dumps({"Records": [S3_RECORD]})}
    assert len(parse_event(envelope)) == 1


def test_minio_event() -> None:
    minio = {
        "EventName": "s3:ObjectCreated:Put",
        "Key": "photos/a%20b.png",
        "Records": [
            {
                "eventName": "s3:ObjectCreated:Put",
                "s3": {"bucket": {"name": "photos"}, "object": {"key": "a%20b.png", "eTag": "e1"}},
            }
        ],
    }
    assert parse_event(minio) == [ImageRef("s3://photos/a b.png", etag="e1", data_id="a b.png")]


def test_oss_event_plain_and_base64() -> None:
    oss = {
        "events": [
            {
                "eventName": "ObjectCreated:PutObject",
                "region": "cn-hangzhou",
                "oss": {
                    "bucket": {"name": "faces"},
                    "object": {"key": "2026/a.jpg", "eTag": '"E2"', "size": 10},
                },
            }
        ]
    }
    expected = [ImageRef("oss://faces/2026/a.jpg", etag="E2", data_id="2026/a.jpg")]
    assert parse_event(json.dumps(oss)) == expected
    assert parse_event(base64.b64encode(json.dumps(oss).encode())) == expected


CREATED = "ObjectCreated:Put"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        json.dumps({"other": 1}),
        json.dumps({"Records": 5}),
        json.dumps({"Records": [5]}),
        json.dumps({"Records": [{"eventName": CREATED, "s3": {"bucket": {"name": "b"}}}]}),
        json.dumps({"Records": [{"eventName": CREATED, "s3": "x"}]}),
        json.dumps({"events": [{"eventName": CREATED, "oss": {"object": {"key": 7}}}]}),
        json.dumps(
            {"Records": [{"eventName": CREATED, "s3": {"bucket": {"name": "b"}, "object": {}}}]}
        ),
        json.dumps(
            {
                "Records": [
                    {
                        "eventName": CREATED,
                        "s3": {"bucket": {"name": "b"}, "object": {"key": "a%00.jpg"}},
                    }
                ]
            }
        ),
        b"\xff\xfe{not utf-8",
        "[" * 100_000 + "]" * 100_000,
    ],
    ids=lambda body: repr(body[:40]),
)
def test_unreadable_bodies_are_invalid_requests(body: str | bytes) -> None:
    with pytest.raises(InvalidRequestError):
        parse_event(body)
