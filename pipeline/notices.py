"""Job-finished notices over Redis pub/sub, so a sync API call wakes up the moment its
result is stored instead of polling the store. A notice is only a hint: the waiter reads
the result from the store, and checks the store again when no notice came."""

from __future__ import annotations

import redis

PREFIX = "facepipe:finished:"


def channel(task_id: str) -> str:
    return PREFIX + task_id


def publish(client: redis.Redis, task_id: str) -> None:
    client.publish(channel(task_id), b"1")
