"""Bucket-upload notifications -> ImageRefs, for AWS S3, MinIO and Aliyun OSS.

- AWS S3 (direct to SQS, or wrapped in an SNS notification): `{"Records": [{"eventName":
  "ObjectCreated:Put", "s3": {"bucket": {"name"}, "object": {"key", "eTag", "versionId"}}}]}`;
  keys are URL-encoded with `+` for spaces; `{"Event": "s3:TestEvent"}` is sent when a
  notification is configured and carries no object.
- MinIO webhook/queue targets: the same records (eventName `s3:ObjectCreated:Put`), plus
  top-level `EventName` and `Key`.
- Aliyun OSS (MNS queue/topic or EventBridge): `{"events": [{"eventName":
  "ObjectCreated:PutObject", "region", "oss": {"bucket": {"name"}, "object": {"key", "eTag"}}}]}`,
  sometimes base64-encoded by MNS.

Only object-created events make jobs; deletions and other kinds are ignored. A body that is
not one of these shapes (wrong types, a created-object record without its object) is refused
whole with `InvalidRequestError`: a sender's bug should show, not vanish.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import unquote_plus

from pipeline.errors import InvalidRequestError
from pipeline.sources import ImageRef


def parse_event(body: str | bytes | dict[str, Any]) -> list[ImageRef]:
    """The images an S3, MinIO or OSS notification announces (empty for test events)."""
    message = body if isinstance(body, dict) else _load(body)
    if message.get("Type") == "Notification" and isinstance(message.get("Message"), str):
        return parse_event(message["Message"])  # SNS envelope
    if message.get("Event") == "s3:TestEvent":
        return []
    if "Records" in message:
        return [ref for record in _list(message["Records"]) if (ref := _s3_record(record))]
    if "events" in message:
        return [ref for event in _list(message["events"]) if (ref := _oss_event(event))]
    raise InvalidRequestError("not an S3, MinIO or OSS event notification")


def _load(body: str | bytes) -> dict[str, Any]:
    try:
        text = body.decode() if isinstance(body, bytes) else body
        loaded = _json(text)
    except UnicodeDecodeError as exc:
        raise InvalidRequestError("the event body is not UTF-8") from exc
    if not isinstance(loaded, dict):
        raise InvalidRequestError("the event body is not a JSON object")
    return loaded


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise InvalidRequestError("the event body is nested too deeply") from exc
    except json.JSONDecodeError:
        pass
    # MNS may deliver the JSON base64-encoded.
    try:
        return json.loads(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise InvalidRequestError("the event body is neither JSON nor base64 JSON") from exc


def _list(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise InvalidRequestError("the event's records are not a list of objects")
    return value


def _created(event_name: str) -> bool:
    # AWS "ObjectCreated:Put", MinIO "s3:ObjectCreated:Put", OSS "ObjectCreated:PutObject".
    return event_name.removeprefix("s3:").startswith("ObjectCreated:")


def _s3_record(record: dict[str, Any]) -> ImageRef | None:
    return _object_created("s3", record.get("eventName"), record.get("s3"))


def _oss_event(event: dict[str, Any]) -> ImageRef | None:
    return _object_created("oss", event.get("eventName"), event.get("oss"))


def _object_created(scheme: str, event_name: Any, body: Any) -> ImageRef | None:
    """S3, MinIO and OSS share the `{bucket: {name}, object: {key, eTag[, versionId]}}` body."""
    if not _created(str(event_name or "")):
        return None
    bucket = body.get("bucket") if isinstance(body, dict) else None
    obj = body.get("object") if isinstance(body, dict) else None
    name = bucket.get("name") if isinstance(bucket, dict) else None
    raw_key = obj.get("key") if isinstance(obj, dict) else None
    if not isinstance(name, str) or not isinstance(raw_key, str) or not name or not raw_key:
        raise InvalidRequestError(f"a {event_name} record names no bucket and object key")
    assert isinstance(obj, dict)  # raw_key came from it
    key = unquote_plus(raw_key)
    version = obj.get("versionId")
    return ImageRef(
        f"{scheme}://{name}/{key}",
        etag=_etag(obj.get("eTag")),
        version=str(version) if version else None,
        data_id=key,
    )


def _etag(value: Any) -> str | None:
    return str(value).strip('"') if value else None
