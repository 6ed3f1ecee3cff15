"""Signed result callbacks, as the documented async mode sends them (docs/webhooks.md).

Each delivery is a `POST` of `application/x-www-form-urlencoded` form fields `checksum` and
`content` (the result JSON), where `checksum = sha256_hex(uid + seed + content)` and `uid`
is the submitting key's account id. It also carries Standard Webhooks headers
(`webhook-id` = the delivery's stable id, `webhook-timestamp`, `webhook-signature` = HMAC-SHA256
with the key's webhook secret), so a receiver can reject forgeries and replays.

HTTP 200 means delivered; 410 stops; anything else, or no answer within the timeout, is retried
on the schedule of `retry_delay`, honouring `Retry-After`; after the last retry the delivery is
dead-lettered (`facepipe webhooks replay` sends it again). Receivers: see `verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import parse_qs, urlencode

import httpx
from standardwebhooks import Webhook, WebhookVerificationError

from pipeline.dialects import render
from pipeline.errors import FacepipeError
from pipeline.settings import WebhookSettings
from pipeline.sources.guard import IPNetwork, check_url
from pipeline.store import Deliveries, Delivery

logger = logging.getLogger(__name__)


class WebhookVerifyError(ValueError):
    """A callback whose checksum or signature does not match."""


@dataclass(frozen=True)
class Attempt:
    """How one delivery attempt ended."""

    outcome: Literal["delivered", "retry", "dead", "gone"]
    status: int | None
    error: str | None = None
    next_attempt_at: datetime | None = None


def checksum(uid: str, seed: str, content: str) -> str:
    """sha256_hex(uid + seed + content), the documented callback checksum."""
    return hashlib.sha256((uid + seed + content).encode()).hexdigest()


def callback_content(delivery: Delivery) -> str:
    """The `content` field: the stored (Green) result in the dialect its job asked for."""
    if delivery.dialect == "green":
        return delivery.content
    return json.dumps(render(json.loads(delivery.content), delivery.dialect))


def encode(
    delivery: Delivery, *, uid: str, webhook_secret: str | None, now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one attempt."""
    content = callback_content(delivery)
    body = urlencode({"checksum": checksum(uid, delivery.seed or "", content), "content": content})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "webhook-id": delivery.delivery_id,
        "webhook-timestamp": str(int(now.timestamp())),
    }
    if webhook_secret is not None:
        signature = Webhook(webhook_secret).sign(delivery.delivery_id, now, body)
        headers["webhook-signature"] = signature
    return body.encode(), headers


def verify(
    body: bytes,
    headers: Mapping[str, str],
    *,
    uid: str,
    seed: str,
    webhook_secret: str | None = None,
) -> str:
    """Check a received callback; returns its `content` (the result JSON as a string).

    Always checks the documented checksum; with `webhook_secret` (printed by
    `facepipe keys create`) also the Standard Webhooks signature and its timestamp (at most
    5 minutes old), which the checksum alone cannot do.
    """
    fields = parse_qs(body.decode(), keep_blank_values=True, strict_parsing=False)
    try:
        (given,), (content,) = fields["checksum"], fields["content"]
    except (KeyError, ValueError) as exc:
        raise WebhookVerifyError(
            "the body needs exactly one checksum and one content field"
        ) from exc
    if not hmac.compare_digest(given, checksum(uid, seed, content)):
        raise WebhookVerifyError("checksum mismatch")
    if webhook_secret is not None:
        try:
            Webhook(webhook_secret).verify(body, dict(headers), json_parse=False)
        except WebhookVerificationError as exc:
            raise WebhookVerifyError(f"signature: {exc}") from exc
    return content


def retry_delay(retry: int, settings: WebhookSettings, retry_after: float | None = None) -> float:
    """Seconds before retry number `retry` (1-based): exponential with jitter, at least what
    the receiver asked for in `Retry-After`, at most `backoff_max`."""
    base = min(settings.backoff_max, settings.backoff_base * 2 ** (retry - 1))
    delay: float = base * random.uniform(1 - settings.jitter, 1 + settings.jitter)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, settings.backoff_max)


def send(
    delivery: Delivery,
    client: httpx.Client,
    *,
    uid: str,
    webhook_secret: str | None,
    settings: WebhookSettings,
    allow: tuple[IPNetwork, ...] = (),
) -> Attempt:
    """One attempt: POST, then say what comes next. Never raises for the receiver's faults."""
    now = datetime.now(UTC)
    try:
        # Checked at every attempt: DNS may point the host elsewhere since the last one.
        checked = check_url(delivery.url, allow)
        body, headers = encode(delivery, uid=uid, webhook_secret=webhook_secret, now=now)
        response = client.post(
            checked.pinned_url(),
            content=body,
            headers={**headers, "Host": checked.netloc},
            extensions={"sni_hostname": checked.host},
            timeout=settings.timeout,
        )
    except FacepipeError as exc:
        # An unsafe or unresolvable callback URL will not become safe: no retry.
        if not exc.retryable:
            return Attempt("dead", None, f"{exc.name}: {exc.message}")
        return _later(
            delivery, None, error=exc.message, retry_after=None, settings=settings, now=now
        )
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
        return _later(delivery, None, error=error, retry_after=None, settings=settings, now=now)
    if response.status_code == 200:
        return Attempt("delivered", 200)
    if response.status_code == 410:
        return Attempt("gone", 410)
    error = f"HTTP {response.status_code}"
    retry_after = _retry_after(response.headers.get("retry-after"), now)
    return _later(
        delivery,
        response.status_code,
        error=error,
        retry_after=retry_after,
        settings=settings,
        now=now,
    )


def record(deliveries: Deliveries, delivery: Delivery, attempt: Attempt) -> None:
    """Store an attempt's outcome on the delivery row."""
    match attempt.outcome:
        case "delivered":
            deliveries.delivered(delivery.delivery_id, 200)
        case "gone":
            deliveries.gone(delivery.delivery_id)
        case "dead":
            deliveries.dead(delivery.delivery_id, attempt.status, attempt.error or "")
        case "retry":
            assert attempt.next_attempt_at is not None
            deliveries.retry_at(
                delivery.delivery_id, attempt.next_attempt_at, attempt.status, attempt.error or ""
            )
    logger.info(
        "webhook %s for task %s, attempt %d: %s (%s)",
        delivery.delivery_id,
        delivery.task_id,
        delivery.attempts,
        attempt.outcome,
        attempt.error or attempt.status,
    )


def _later(
    delivery: Delivery,
    status: int | None,
    *,
    error: str,
    retry_after: float | None,
    settings: WebhookSettings,
    now: datetime,
) -> Attempt:
    # `attempts` counts this one: the first attempt plus `retries` retries, then dead.
    if delivery.attempts > settings.retries:
        return Attempt("dead", status, error)
    delay = retry_delay(delivery.attempts, settings, retry_after)
    return Attempt("retry", status, error, now + timedelta(seconds=delay))


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
    except (TypeError, ValueError):
        return None
