"""The request times the schemes carry, as Unix seconds."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from pipeline.errors import UnauthorizedError

MAX_STAMP_DIGITS = 13


def unix_stamp(stamp: str, *, milliseconds: bool) -> float:
    """A Unix time in ASCII digits (seconds, or milliseconds)."""
    # str.isdigit also takes e.g. fullwidth digits; 13 digits last a millisecond clock
    # until the year 2286.
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= MAX_STAMP_DIGITS):
        raise UnauthorizedError("the timestamp is not a Unix time in digits")
    return int(stamp) / 1000 if milliseconds else float(stamp)


def http_date(value: str) -> float:
    """An RFC 7231 `Date` header (`Tue, 14 Mar 2017 06:29:50 GMT`)."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise UnauthorizedError("the Date header is not an HTTP date") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def iso_8601(value: str) -> float:
    """An ISO 8601 UTC time (`2026-12-01T01:13:21Z`), as the RPC scheme's `Timestamp`."""
    try:
        parsed = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError as exc:
        raise UnauthorizedError("Timestamp is not an ISO 8601 UTC time") from exc
    return parsed.timestamp()
