"""Bucket fetching and listing against moto's S3 server over HTTP."""

from __future__ import annotations

import boto3
import pytest

from pipeline.errors import ImageTooLargeError, InvalidRequestError, SourceNotFoundError
from pipeline.settings import ImageLimits, SourceSettings
from pipeline.sources import ImageRef
from pipeline.sources.listing import list_images
from pipeline.sources.s3 import BucketFetcher, parse_location


@pytest.fixture(scope="module")
def bucket(s3_endpoint: str) -> str:
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="listing")
    for i in range(1200):
        s3.put_object(Bucket="listing", Key=f"photos/{i:05d}.jpg", Body=b"x" * (i % 7))
    s3.put_object(Bucket="listing", Key="photos/big.jpg", Body=b"y" * 5000)
    return "listing"


@pytest.fixture
def fetcher(s3_endpoint: str) -> BucketFetcher:
    return BucketFetcher(SourceSettings(s3_endpoint_url=s3_endpoint), ImageLimits(max_bytes=4096))


def test_fetch_and_errors(fetcher: BucketFetcher, bucket: str) -> None:
    assert fetcher.fetch(ImageRef(f"s3://{bucket}/photos/00006.jpg")) == b"x" * 6
    with pytest.raises(SourceNotFoundError):
        fetcher.fetch(ImageRef(f"s3://{bucket}/photos/nope.jpg"))
    with pytest.raises(SourceNotFoundError):
        fetcher.fetch(ImageRef("s3://no-such-bucket/a.jpg"))
    with pytest.raises(ImageTooLargeError):
        fetcher.fetch(ImageRef(f"s3://{bucket}/photos/big.jpg"))


def test_a_pinned_fetch_refuses_an_object_that_changed(
    fetcher: BucketFetcher, bucket: str, s3_endpoint: str
) -> None:
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.put_object(Bucket=bucket, Key="pinned/a.jpg", Body=b"first")
    etag = s3.head_object(Bucket=bucket, Key="pinned/a.jpg")["ETag"].strip('"')
    ref = ImageRef(f"s3://{bucket}/pinned/a.jpg", etag=etag)
    assert fetcher.fetch(ref, same_etag=True) == b"first"
    s3.put_object(Bucket=bucket, Key="pinned/a.jpg", Body=b"second")
    with pytest.raises(SourceNotFoundError, match="has changed"):
        fetcher.fetch(ref, same_etag=True)
    # Without the pin, the object as it is now.
    assert fetcher.fetch(ref) == b"second"


def test_listing_pages_resume_after_a_key(fetcher: BucketFetcher, bucket: str) -> None:
    keys = [item.key for page in list_images(f"s3://{bucket}/photos/", fetcher) for item in page]
    assert len(keys) == 1201
    assert keys == sorted(keys)
    resumed = [
        item.key
        for page in list_images(f"s3://{bucket}/photos/", fetcher, start_after="photos/00999.jpg")
        for item in page
    ]
    assert resumed == keys[1000:]
    [first, *_] = next(iter(list_images(f"s3://{bucket}/photos/", fetcher)))
    assert first.ref.uri == f"s3://{bucket}/photos/00000.jpg"
    assert first.ref.etag  # the listing's ETag becomes part of the idempotency key


def test_oss_uris() -> None:
    settings = SourceSettings(oss_endpoint_url="https://oss-cn-hangzhou.aliyuncs.com")
    documented = parse_location("oss://photos.oss-cn-shanghai.aliyuncs.com/a/b.jpg", settings)
    assert (documented.bucket, documented.key, documented.endpoint_url) == (
        "photos",
        "a/b.jpg",
        "https://oss-cn-shanghai.aliyuncs.com",
    )
    short = parse_location("oss://photos/a/b.jpg", settings)
    assert short.endpoint_url == "https://oss-cn-hangzhou.aliyuncs.com"
    with pytest.raises(InvalidRequestError):
        parse_location("oss://photos/a.jpg", SourceSettings())
