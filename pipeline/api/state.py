"""What every route shares (`ApiState`): the store, the keys, the rate limit, the queue and the
job-finished notices, with the steps the routes have in common (image references, submitting,
waiting for a sync result)."""

from __future__ import annotations

import asyncio
import functools
import re
import time
import uuid

import redis.asyncio as aioredis
from fastapi.concurrency import run_in_threadpool

from pipeline.api.metrics import ApiMetrics
from pipeline.api.requests import CompareRequest
from pipeline.broker import redis_py_url
from pipeline.errors import (
    CompareImageTooLargeError,
    InvalidRequestError,
    RequestError,
    SyncTimeoutError,
    UrlTooLongError,
)
from pipeline.jobs import JobKind, JobSpec
from pipeline.keys import Caller, KeyRing
from pipeline.library.backends import open_index
from pipeline.library.store import Library
from pipeline.notices import channel
from pipeline.producers.queue import JobQueue, QueueName, submit_and_enqueue
from pipeline.ratelimit import RateLimit
from pipeline.settings import Settings
from pipeline.sources import ImageRef
from pipeline.sources.guard import check_parsable, check_url, parse_networks
from pipeline.sources.inline import parking
from pipeline.sources.local import BASE64_PREFIX
from pipeline.sources.policy import BucketPolicy
from pipeline.sources.s3 import BUCKET_SCHEMES
from pipeline.store import TERMINAL, JobRecord, ResultStore

QUEUE: QueueName = "realtime"
BUCKET_PREFIXES = tuple(f"{scheme}://" for scheme in BUCKET_SCHEMES)
URL_SCHEMES = ("http://", "https://", BASE64_PREFIX, *BUCKET_PREFIXES)
# Task ids are uuid4 hex; anything else cannot name a task (and is not looked up).
TASK_ID = re.compile(r"[0-9a-f]{32}")


class ApiState:
    """What the routes share: the store, keys, rate limit, queue and job-finished notices."""

    def __init__(self, settings: Settings, queue: JobQueue, *, broker_url: str) -> None:
        master = settings.api.master_key
        if master is None:
            raise ValueError("set FACEPIPE_API_MASTER_KEY: API keys are derived from it")
        self.settings = settings
        self.queue = queue
        self.store = ResultStore.open(settings.store_url)
        self.keyring = KeyRing(self.store.api_keys, master.get_secret_value())
        redis_url = redis_py_url(broker_url)
        self.notices = aioredis.Redis.from_url(redis_url)
        self.limit = RateLimit(settings.api.rate_limit_url or redis_url, settings.api.rate_limit)
        self.metrics = ApiMetrics(queue)
        self.allow = parse_networks(settings.sources.http_allow_networks)
        self.buckets = BucketPolicy(settings.sources)
        index = open_index(self.store.engine, settings.library)
        self.library = Library(self.store.engine, settings.library, index)

    async def close(self) -> None:
        await self.notices.aclose()
        self.store.close()

    async def image_ref(self, url: str, caller: Caller, data_id: str | None = None) -> ImageRef:
        """The job's reference to `url`; an inline image is parked in Redis first.

        A bucket URI must name a bucket the caller's account may read (403 otherwise).
        """
        limit = self.settings.api.max_url_chars
        # The documented 2,048 characters are for URLs; inline images have their own limit.
        if len(url) > limit and not url.startswith(BASE64_PREFIX):
            raise UrlTooLongError(f"url is {len(url)} characters long; at most {limit}")
        if not url.startswith(URL_SCHEMES):
            raise InvalidRequestError(
                "url must be http(s)://, s3://, oss:// or base64://, not " + repr(url[:40])
            )
        if url.startswith(BASE64_PREFIX):
            uri, key = parking()
            await self.notices.set(key, url[len(BASE64_PREFIX) :], ex=self.settings.api.inline_ttl)
            return ImageRef(uri, data_id=data_id)
        if url.startswith(BUCKET_PREFIXES):
            self.buckets.check(url, caller.account_id)
        else:
            check_parsable(url)
        return ImageRef(url, data_id=data_id)

    async def compare_spec(self, body: CompareRequest, caller: Caller) -> JobSpec:
        source, target = body.images()
        for image in (source, target):
            check_inline_size(
                image, self.settings.api.max_compare_image_bytes, CompareImageTooLargeError
            )
        return JobSpec(
            "compare",
            await self.image_ref(source, caller),
            await self.image_ref(target, caller),
            params=call_params(),
        )

    async def checked_callback(self, callback: str | None) -> str | None:
        if callback is not None:
            # Refused now (480 UnsafeUrl), and checked again at every delivery attempt.
            await run_in_threadpool(check_url, callback, self.allow)
        return callback

    async def submit(self, spec: JobSpec, caller: Caller) -> str:
        (submission,) = await run_in_threadpool(
            functools.partial(self.store.submit, [spec], queue=QUEUE, owner_key=caller.key_id)
        )
        return submission.task_id

    async def enqueue(self, task_id: str, kind: JobKind) -> None:
        await run_in_threadpool(self.queue.enqueue, [(task_id, kind)], QUEUE)

    async def submit_async(
        self, specs: list[JobSpec], caller: Caller, callback: str | None, seed: str | None
    ) -> list[str]:
        """Record and send jobs whose results go to `callback` (or are polled); their ids."""
        submissions, _ = await run_in_threadpool(
            functools.partial(
                submit_and_enqueue,
                specs,
                self.store,
                self.queue,
                QUEUE,
                callback_url=callback,
                callback_seed=seed,
                callback_key=caller.key_id if callback else None,
                owner_key=caller.key_id,
            )
        )
        return [submission.task_id for submission in submissions]

    async def run_sync(self, spec: JobSpec, caller: Caller) -> tuple[str, JobRecord | None]:
        """Submit one job and wait for its result; None when the deadline passed first."""
        deadline = time.monotonic() + self.settings.api.sync_timeout
        task_id = await self.submit(spec, caller)
        async with self.notices.pubsub() as pubsub:
            # Subscribed before the message is sent, so the notice cannot be missed.
            await pubsub.subscribe(channel(task_id))
            await self.enqueue(task_id, spec.kind)
            while (remaining := deadline - time.monotonic()) > 0:
                notice = await pubsub.get_message(ignore_subscribe_messages=True, timeout=remaining)
                if notice is not None:
                    break
        record = await run_in_threadpool(self.store.get, task_id)
        if record is None or record.status not in TERMINAL:
            return task_id, None
        return task_id, record

    async def run_sync_all(
        self, specs: list[JobSpec], caller: Caller
    ) -> list[tuple[str, JobRecord | None]]:
        """`run_sync` for several jobs at once, under the one deadline; in their order."""
        return list(await asyncio.gather(*(self.run_sync(spec, caller) for spec in specs)))

    def sync_timeout(self, task_id: str) -> SyncTimeoutError:
        return SyncTimeoutError(
            f"no result within {self.settings.api.sync_timeout:g} s; poll "
            f"/green/face/results with taskId {task_id}"
        )


def echoed(url: str) -> str | None:
    """A request's URL as an answer repeats it: an inline image is not sent back."""
    return None if url.startswith(BASE64_PREFIX) else url


def call_params() -> dict[str, str]:
    # Makes each API call its own job: the same URL sent twice is analysed twice, as in the
    # documented API (a URL's content may change; backfills dedupe by ETag instead).
    return {"call": uuid.uuid4().hex}


def check_inline_size(image: str, limit: int, error: type[RequestError]) -> None:
    """Refuse an inline (base64://) image whose bytes are over `limit` with `error`."""
    if image.startswith(BASE64_PREFIX):
        size = len(image) - len(BASE64_PREFIX)
        decoded = size * 3 // 4
        if decoded > limit:
            raise error(
                f"the image is at most {limit // (1024 * 1024)} MB; this one is "
                f"{decoded / (1024 * 1024):.1f} MB"
            )
