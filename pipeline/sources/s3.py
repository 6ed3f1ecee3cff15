"""Objects in S3-compatible buckets: AWS S3, MinIO, and Aliyun OSS through its S3 API.

URIs: `s3://bucket/key`, `oss://bucket/key` (endpoint from settings) and the documented
`oss://<bucket>.<endpoint>/<object>` form. Credentials come from the standard AWS chain
(environment, profile, instance role).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    NoCredentialsError,
    ReadTimeoutError,
)

from pipeline.errors import (
    DownloadTimeoutError,
    FacepipeError,
    ImageTooLargeError,
    InvalidRequestError,
    SourceAccessDeniedError,
    SourceNotFoundError,
    SourceUnavailableError,
    UnsafeUrlError,
)
from pipeline.settings import AddressingStyle, ImageLimits, SourceSettings
from pipeline.sources.base import ImageRef

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BUCKET_SCHEMES = ("s3", "oss")
# What S3 and OSS accept in a bucket name (S3's legacy names included); botocore then
# checks the stricter rules of the addressing style.
BUCKET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
# A DNS name without port, user or IP literal brackets.
HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")
NOT_FOUND = frozenset({"NoSuchKey", "NoSuchBucket", "NotFound", "404", "NoSuchVersion"})
DENIED = frozenset(
    {"AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"}
)


@dataclass(frozen=True)
class BucketLocation:
    """A bucket (and key or prefix) plus the endpoint that serves it."""

    scheme: str
    bucket: str
    key: str
    endpoint_url: str | None

    def uri(self, key: str) -> str:
        return f"{self.scheme}://{self.bucket}/{key}"


@dataclass(frozen=True)
class ListedObject:
    key: str
    etag: str
    size: int


def parse_location(uri: str, settings: SourceSettings) -> BucketLocation:
    """Where a bucket URI points; the endpoint is always one the settings allow."""
    parts = urlsplit(uri)
    if parts.scheme not in BUCKET_SCHEMES or not parts.netloc:
        raise InvalidRequestError(f"not a bucket URI: {uri!r} (expected s3://bucket/key)")
    key = unquote(parts.path.lstrip("/"))
    if parts.scheme == "s3":
        return BucketLocation("s3", _bucket_name(parts.netloc), key, settings.s3_endpoint_url)
    # OSS bucket names cannot contain dots, so a dot means the <bucket>.<endpoint> form.
    bucket, _, endpoint = parts.netloc.partition(".")
    endpoint_url = _oss_endpoint(endpoint, settings) if endpoint else settings.oss_endpoint_url
    bucket = _bucket_name(bucket)
    if endpoint_url is None:
        raise InvalidRequestError(
            f"{uri!r} names no OSS endpoint; use oss://<bucket>.<endpoint>/<object> "
            "or set FACEPIPE_SOURCE_OSS_ENDPOINT_URL"
        )
    return BucketLocation("oss", bucket, key, endpoint_url)


def _bucket_name(name: str) -> str:
    if not BUCKET_NAME.fullmatch(name):
        raise InvalidRequestError(f"{name[:64]!r} is not a bucket name")
    return name


def _oss_endpoint(host: str, settings: SourceSettings) -> str:
    """`https://<host>` for an endpoint named in an OSS URI, if the settings allow that host.

    The URI is the user's, and the server's credentials go wherever it points: a host that
    is neither the configured endpoint nor one of `oss_endpoint_hosts` is refused, as is any
    port or user part (which could aim the request at an internal service).
    """
    host = host.lower()
    configured = settings.oss_endpoint_url
    if configured is not None and urlsplit(configured).netloc.lower() == host:
        return configured
    plain = HOST_NAME.fullmatch(host) is not None
    if plain and any(fnmatchcase(host, pattern.lower()) for pattern in settings.oss_endpoint_hosts):
        return f"https://{host}"
    raise UnsafeUrlError(
        f"the OSS endpoint {host[:80]!r} is not an allowed one (FACEPIPE_SOURCE_OSS_ENDPOINT_HOSTS)"
    )


class BucketFetcher:
    """Reads and lists bucket objects, mapping S3 errors onto facepipe's error tree."""

    def __init__(self, settings: SourceSettings, limits: ImageLimits) -> None:
        self.settings = settings
        self._max_bytes = limits.max_bytes

    def fetch(self, ref: ImageRef, *, same_etag: bool = False) -> bytes:
        """The object's bytes; with `same_etag`, only while its ETag is still `ref.etag`
        (else `SourceNotFoundError`: that content is gone)."""
        location = parse_location(ref.uri, self.settings)
        if not location.key:
            raise InvalidRequestError(f"{ref.uri!r} names a bucket, not an object")
        request: dict[str, Any] = {"Bucket": location.bucket, "Key": location.key}
        if ref.version:
            request["VersionId"] = ref.version
        if same_etag and ref.etag:
            request["IfMatch"] = f'"{ref.etag}"'
        with _errors_mapped(ref.uri):
            response = self._client(location).get_object(**request)
            size = response["ContentLength"]
            if size > self._max_bytes:
                response["Body"].close()
                raise ImageTooLargeError(
                    f"the object is {size:,} bytes; the limit is {self._max_bytes:,} bytes"
                )
            return response["Body"].read()

    def list_objects(
        self, prefix_uri: str, start_after: str | None = None
    ) -> Iterator[list[ListedObject]]:
        """Pages of up to 1,000 objects under a prefix, in key order, after `start_after`."""
        location = parse_location(prefix_uri, self.settings)
        paginator = self._client(location).get_paginator("list_objects_v2")
        request: dict[str, Any] = {"Bucket": location.bucket, "Prefix": location.key}
        if start_after:
            request["StartAfter"] = start_after
        with _errors_mapped(prefix_uri):
            for page in paginator.paginate(**request):
                yield [
                    ListedObject(obj["Key"], obj["ETag"].strip('"'), obj["Size"])
                    for obj in page.get("Contents", [])
                    if not obj["Key"].endswith("/")
                ]

    def _client(self, location: BucketLocation) -> S3Client:
        settings = self.settings
        region = settings.oss_region if location.scheme == "oss" else settings.s3_region
        # OSS's S3 API only accepts virtual-hosted addressing.
        style: AddressingStyle = (
            "virtual" if location.scheme == "oss" else settings.s3_addressing_style
        )
        return _s3_client(
            location.endpoint_url, region, style, settings.s3_max_attempts, settings.s3_timeout
        )


@cache
def _s3_client(
    endpoint_url: str | None,
    region: str | None,
    style: AddressingStyle,
    attempts: int,
    timeout: float,
) -> S3Client:
    # One client per configuration and process: clients are thread-safe and slow to build.
    config = Config(
        s3={"addressing_style": style},
        retries={"total_max_attempts": attempts, "mode": "standard"},
        connect_timeout=timeout,
        read_timeout=timeout,
    )
    client: S3Client = boto3.session.Session().client(
        "s3", endpoint_url=endpoint_url, region_name=region, config=config
    )
    return client


@contextmanager
def _errors_mapped(uri: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        raise _from_client_error(exc, uri) from exc
    except NoCredentialsError as exc:
        raise SourceAccessDeniedError(f"no credentials for {uri}") from exc
    except (ReadTimeoutError, ConnectTimeoutError) as exc:
        raise DownloadTimeoutError(f"timed out reading {uri}") from exc
    except BotoCoreError as exc:
        raise SourceUnavailableError(f"cannot reach the bucket of {uri}: {exc}") from exc


def _from_client_error(exc: ClientError, uri: str) -> FacepipeError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
    if code in NOT_FOUND or status == 404:
        return SourceNotFoundError(f"{uri} does not exist")
    if code == "PreconditionFailed" or status == 412:
        return SourceNotFoundError(f"{uri} has changed: its ETag is not the one given")
    if code in DENIED or status == 403:
        return SourceAccessDeniedError(f"access to {uri} was denied ({code})")
    if status >= 500 or code in ("SlowDown", "Throttling", "RequestTimeout"):
        return SourceUnavailableError(f"the bucket answered {status} {code} for {uri}")
    return InvalidRequestError(f"the bucket refused {uri}: {code} {error.get('Message', '')}")
