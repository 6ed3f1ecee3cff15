"""Webhook tasks: one delivery attempt per message, and the scheduler that hands out due
deliveries. Retries wait in the database (`next_attempt_at`), never in Celery countdowns."""

from __future__ import annotations

import logging

from celery import Celery

from pipeline import webhooks
from pipeline.sources.guard import parse_networks
from workers.app import app
from workers.queue import CeleryJobQueue
from workers.runtime import runtime

logger = logging.getLogger(__name__)


@app.task(name="facepipe.deliver_webhook")
def deliver_webhook(delivery_id: str) -> str:
    rt = runtime()
    deliveries = rt.store.deliveries
    delivery = deliveries.claim(delivery_id)
    if delivery is None:
        # Delivered, dead, or being sent by another message's worker (a duplicate hand-out).
        return "skipped"
    key = rt.store.api_keys.get(delivery.key_id) if delivery.key_id else None
    attempt = webhooks.send(
        delivery,
        rt.http,
        uid=key.account_id if key else "",
        webhook_secret=(
            rt.keyring.webhook_secret(key.key_id) if key and rt.keyring is not None else None
        ),
        settings=rt.settings.webhooks,
        allow=parse_networks(rt.settings.sources.http_allow_networks),
    )
    webhooks.record(deliveries, delivery, attempt)
    return attempt.outcome


@app.task(name="facepipe.sweep_webhooks")
def sweep_webhooks() -> int:
    """Send every delivery that is due: retries whose time came, and hand-outs that were lost."""
    due = runtime().store.deliveries.due()
    if due:
        send_deliveries(due)
    return len(due)


def send_deliveries(delivery_ids: list[str], via: Celery = app) -> None:
    """One `deliver_webhook` message per delivery (`via`: an app for other settings)."""
    CeleryJobQueue(via).send(deliver_webhook.name, delivery_ids, "webhooks")
