"""Which buckets API callers and bucket-event senders may name.

The workers read buckets with the deployment's credentials, so without a policy any API key
could read any object those credentials reach. `FACEPIPE_SOURCE_ALLOWED_BUCKETS` lists the
buckets that requests may name, as shell patterns over `scheme://bucket` (`s3://photos-*`)
or over the bucket alone (`photos-*`, either scheme); an entry `account=pattern` applies to
that account's keys only. Backfills and queue-fed triggers are the operator's own jobs and
are not limited by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from pipeline.errors import BucketNotAllowedError
from pipeline.settings import SourceSettings
from pipeline.sources.s3 import BUCKET_SCHEMES, parse_location


@dataclass(frozen=True)
class _Rule:
    account: str | None
    scheme: str | None
    bucket: str

    @classmethod
    def parse(cls, entry: str) -> _Rule:
        account, equals, pattern = entry.partition("=")
        if not equals:
            account, pattern = "", entry
        scheme, separator, bucket = pattern.partition("://")
        if not separator:
            scheme, bucket = "", pattern
        if scheme and scheme not in BUCKET_SCHEMES:
            raise ValueError(f"allowed bucket {entry!r}: the scheme must be s3 or oss")
        if not bucket:
            raise ValueError(f"allowed bucket {entry!r} names no bucket")
        return cls(account or None, scheme or None, bucket)

    def allows(self, scheme: str, bucket: str, account: str) -> bool:
        return (
            self.account in (None, account)
            and self.scheme in (None, scheme)
            and fnmatchcase(bucket, self.bucket)
        )


class BucketPolicy:
    """`check` raises `BucketNotAllowedError` (403) for a bucket the account may not name."""

    def __init__(self, settings: SourceSettings) -> None:
        self._settings = settings
        self._rules = tuple(_Rule.parse(entry) for entry in settings.allowed_buckets)

    def check(self, uri: str, account: str) -> None:
        """Refuse `uri` (a bucket URI) unless the policy lets `account` read its bucket.

        The URI is parsed as a worker will parse it, so an OSS endpoint it names is checked
        here too (`pipeline.sources.s3.parse_location`).
        """
        location = parse_location(uri, self._settings)
        if not any(rule.allows(location.scheme, location.bucket, account) for rule in self._rules):
            raise BucketNotAllowedError(
                f"bucket {location.scheme}://{location.bucket} is not allowed for this key "
                "(FACEPIPE_SOURCE_ALLOWED_BUCKETS)"
            )
