"""Inline images parked in (a private) Redis: fetched back, or a clear error."""

from __future__ import annotations

import base64

import pytest
import redis

from pipeline.broker import redis_py_url
from pipeline.errors import ImageDecodeError, InlineImageExpiredError
from pipeline.sources.base import ImageRef
from pipeline.sources.inline import InlineFetcher, parking


def test_a_parked_payload_is_fetched_back_and_discarded_then_it_has_expired(
    broker_url: str,
) -> None:
    client = redis.Redis.from_url(redis_py_url(broker_url))
    payload = base64.b64encode(b"\x89PNG some bytes").decode()
    uri, key = parking()
    assert uri.startswith("inline://")
    assert len(uri) == len("inline://") + 32  # an id, whatever the image's size
    assert parking()[0] != uri  # one per request: each job discards its own
    client.set(key, payload, ex=60)
    fetcher = InlineFetcher(broker_url)
    assert fetcher.fetch(ImageRef(uri)) == b"\x89PNG some bytes"
    fetcher.discard(ImageRef(uri))
    assert client.exists(key) == 0
    with pytest.raises(InlineImageExpiredError) as error:
        fetcher.fetch(ImageRef(uri))
    assert error.value.code == 410


def test_a_payload_that_is_not_base64_is_a_decode_error(broker_url: str) -> None:
    client = redis.Redis.from_url(redis_py_url(broker_url))
    uri, key = parking()
    client.set(key, "not base64 at all!", ex=60)
    with pytest.raises(ImageDecodeError):
        InlineFetcher(broker_url).fetch(ImageRef(uri))
