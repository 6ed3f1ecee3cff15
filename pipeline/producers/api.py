"""The HTTP service (FastAPI): sync and async detect/compare, result polling, bucket events.

Every route but the probes and `/metrics` needs a signed request (`pipeline.keys`) and counts
against the key's rate limit. A sync call submits its job to the `realtime` queue and waits
for the worker's job-finished notice (`pipeline.notices`) for at most `sync_timeout` (6 s);
then it answers 581 SyncTimeout with the taskId, which `/green/face/results` can poll.

HTTP status: a refused request (auth, throttling, malformed body, limits of the request
itself) gets its HTTP status; a processed request gets 200 and, as documented, the outcome
of each image in the body's `code` (e.g. 470 no face, 415 unsupported format, 280 pending).
Each call is its own task with its own taskId, as in the documented API: the same URL sent
twice is analysed twice (a URL's content may change; bucket backfills dedupe by ETag).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

import redis.asyncio as aioredis
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.contract import CompareResponse, DetectResponse
from pipeline.dialects import FORMAT_PARAM, Dialect, dialect_of, render
from pipeline.errors import (
    CompareImageTooLargeError,
    FacepipeError,
    InvalidRequestError,
    MalformedRequestError,
    SyncTimeoutError,
    UrlTooLongError,
    ctyun_code,
)
from pipeline.events import parse_event
from pipeline.jobs import JobKind, JobSpec
from pipeline.keys import Caller, KeyRing
from pipeline.notices import channel, redis_py_url
from pipeline.producers.api_requests import (
    AsyncDetectRequest,
    CompareRequest,
    DetectRequest,
    ResultsRequest,
)
from pipeline.producers.gate import RequestGate, Shield, caller_of, error_response
from pipeline.producers.queue import QUEUES, JobQueue, QueueName, submit_and_enqueue
from pipeline.ratelimit import RateLimit
from pipeline.settings import Settings
from pipeline.sources import ImageRef
from pipeline.sources.guard import check_parsable, check_url, parse_networks
from pipeline.sources.inline import parking
from pipeline.sources.local import BASE64_PREFIX
from pipeline.sources.policy import BucketPolicy
from pipeline.sources.s3 import BUCKET_SCHEMES
from pipeline.store import TERMINAL, JobRecord, ResultStore

logger = logging.getLogger(__name__)

QUEUE: QueueName = "realtime"
BUCKET_PREFIXES = tuple(f"{scheme}://" for scheme in BUCKET_SCHEMES)
URL_SCHEMES = ("http://", "https://", BASE64_PREFIX, *BUCKET_PREFIXES)
# Task ids are uuid4 hex; anything else cannot name a task (and is not looked up).
TASK_ID = re.compile(r"[0-9a-f]{32}")
# Pending results, as the documented async mode reports them.
PROCESSING = {"code": 280, "msg": "PROCESSING"}


class Service:
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
        self.metrics = _Metrics(queue)
        self.allow = parse_networks(settings.sources.http_allow_networks)
        self.buckets = BucketPolicy(settings.sources)

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
        if url.startswith(BUCKET_PREFIXES):
            self.buckets.check(url, caller.account_id)
        elif not url.startswith(BASE64_PREFIX):
            check_parsable(url)
        if url.startswith(BASE64_PREFIX):
            payload = url[len(BASE64_PREFIX) :]
            uri, key = parking()
            await self.notices.set(key, payload, ex=self.settings.api.inline_ttl)
            return ImageRef(uri, data_id=data_id)
        return ImageRef(url, data_id=data_id)

    async def compare_spec(self, body: CompareRequest, caller: Caller) -> JobSpec:
        source, target = body.images()
        for image in (source, target):
            _check_inline_size(image, self.settings.api.max_compare_image_bytes)
        return JobSpec(
            "compare",
            await self.image_ref(source, caller),
            await self.image_ref(target, caller),
            params=_call(),
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

    def sync_timeout(self, task_id: str) -> SyncTimeoutError:
        return SyncTimeoutError(
            f"no result within {self.settings.api.sync_timeout:g} s; poll "
            f"/green/face/results with taskId {task_id}"
        )


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(_service)]


def authenticated(request: Request) -> Caller:
    """The request's key, found by `RequestGate` before the body was parsed."""
    return caller_of(request.scope)


Authenticated = Annotated[Caller, Depends(authenticated)]
Format = Annotated[Dialect, Query()]
router = APIRouter()


@router.post("/green/face/detect", tags=["detect"])
async def detect(
    body: DetectRequest, caller: Authenticated, service: ServiceDep, format: Format = "green"
) -> Any:
    """Detect faces and their quality within 6 s (`realtime` queue)."""
    spec = JobSpec(
        "detect", await service.image_ref(body.url, caller, body.data_id), params=_call()
    )
    task_id, record = await service.run_sync(spec, caller)
    if record is None or record.result is None:
        timeout = service.sync_timeout(task_id)
        response = DetectResponse.from_error(
            timeout, task_id=task_id, data_id=body.data_id, url=body.url
        )
        return render(response.to_json(), format)
    return render(record.result, format)


@router.post("/green/face/asyncdetect", tags=["detect"])
async def asyncdetect(
    body: AsyncDetectRequest,
    caller: Authenticated,
    service: ServiceDep,
    format: Format = "green",
) -> Any:
    """Submit one image (`url`) or up to 100 (`tasks`); results by callback or polling.

    `format` picks the dialect of the callback and of `/green/face/results` for these tasks.
    """
    dialect = {} if format == "green" else {FORMAT_PARAM: format}
    images = body.images()
    specs = [
        JobSpec(
            "detect",
            await service.image_ref(image.url, caller, image.data_id),
            params=_call() | dialect,
        )
        for image in images
    ]
    callback = await service.checked_callback(body.callback)
    task_ids = await service.submit_async(specs, caller, callback, body.seed)
    accepted = [
        {"code": 200, "msg": "OK", "dataId": image.data_id, "taskId": task_id, "url": image.url}
        for image, task_id in zip(images, task_ids, strict=True)
    ]
    if body.tasks is None:
        return accepted[0]
    return {"code": 200, "msg": "OK", "data": accepted}


@router.post("/green/face/results", tags=["detect", "compare"])
async def results(body: ResultsRequest, caller: Authenticated, service: ServiceDep) -> Any:
    """The result of each task id; `code: 280` while it is still running.

    A key sees the tasks it submitted; an admin key also sees those no key submitted
    (backfills, queue-fed triggers). Another key's task is answered 404, as if it did not
    exist, and so is an id that no task can have.
    """
    wellformed = [task_id for task_id in body.root if TASK_ID.fullmatch(task_id)]
    found = await run_in_threadpool(_find, service.store, wellformed)
    records = {r.task_id: r for r in found if r.visible_to(caller.key_id, admin=caller.admin)}
    data = []
    for task_id in body.root:
        record = records.get(task_id)
        if record is None:
            data.append({"code": 404, "msg": "no such task", "taskId": task_id})
        elif record.status not in TERMINAL or record.result is None:
            data.append({**PROCESSING, "taskId": task_id})
        elif record.spec.kind == "detect":
            data.append(render(record.result, dialect_of(record.spec.params)))
        else:
            data.append(record.result)
    return {"code": 200, "msg": "OK", "data": data}


@router.post("/green/face/compare", tags=["compare"])
async def compare(body: CompareRequest, caller: Authenticated, service: ServiceDep) -> Any:
    """CompareFaces (or ctyun compare): similarity 0-100 and thresholds by FAR, sync."""
    task_id, record = await service.run_sync(await service.compare_spec(body, caller), caller)
    if record is None:
        timeout = service.sync_timeout(task_id)
        result = CompareResponse.from_error(timeout, request_id=task_id).to_json()
    else:
        result = record.result or {}
    return _ctyun_compare(result) if body.ctyun else result


@router.post("/green/face/asynccompare", tags=["compare"])
async def asynccompare(body: CompareRequest, caller: Authenticated, service: ServiceDep) -> Any:
    """Submit a compare; the result comes by callback or `/green/face/results`."""
    spec = await service.compare_spec(body, caller)
    callback = await service.checked_callback(body.callback)
    (task_id,) = await service.submit_async([spec], caller, callback, body.seed)
    return {"Code": "200", "Success": True, "RequestId": task_id, "Message": "accepted"}


@router.post("/events/{source}", tags=["events"])
async def bucket_event(
    source: Literal["s3", "minio", "oss"],
    request: Request,
    caller: Authenticated,
    service: ServiceDep,
    task: Annotated[Literal["detect", "attributes"], Query()] = "detect",
) -> Any:
    """Bucket notifications (S3 incl. SNS envelopes, MinIO, OSS): a job per new object.

    Signed, or with `Authorization: Bearer <AppKey>:<AppSecret>` for senders that cannot
    sign. Every bucket named must be allowed for the key's account, or nothing is enqueued.
    """
    try:
        refs = parse_event(await request.body())
    except InvalidRequestError as exc:  # the request itself is malformed: nothing to store
        raise MalformedRequestError(exc.message) from exc
    for ref in refs:
        service.buckets.check(ref.uri, caller.account_id)
    specs = [JobSpec(task, ref) for ref in refs]
    # Bulk, deduplicated by idempotency key: a redelivered event adds nothing. The jobs
    # belong to the sending key (unless another producer made them first).
    submissions, sent_count = await run_in_threadpool(
        functools.partial(
            submit_and_enqueue,
            specs,
            service.store,
            service.queue,
            "bulk",
            owner_key=caller.key_id,
        )
    )
    sent = [submission.task_id for submission in submissions if submission.enqueue]
    return {"code": 200, "msg": "OK", "source": source, "enqueued": sent_count, "taskIds": sent}


@router.get("/healthz", tags=["operations"])
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", tags=["operations"])
async def readyz(service: ServiceDep) -> Response:
    """The broker and the store answer (503 with the failing check otherwise).

    Unauthenticated, so it names the failing check and nothing more (the log has why).
    """
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(service.notices.ping(), timeout=2)  # type: ignore[arg-type]
        checks["broker"] = "ok"
    except Exception as exc:  # any failure means not ready; say which
        logger.warning("readiness: the broker does not answer: %r", exc)
        checks["broker"] = "unavailable"
    try:
        await run_in_threadpool(_ping_store, service.store)
        checks["store"] = "ok"
    except Exception as exc:
        logger.warning("readiness: the results store does not answer: %r", exc)
        checks["store"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(checks, status_code=200 if ready else 503)


@router.get("/metrics", tags=["operations"])
async def prometheus(service: ServiceDep) -> Response:
    """Prometheus metrics: requests, latency, queue depth."""
    payload = await run_in_threadpool(generate_latest, service.metrics.registry)
    return Response(payload, media_type=CONTENT_TYPE_LATEST)


def create_api(settings: Settings, queue: JobQueue, *, broker_url: str) -> FastAPI:
    """The service over `settings.store_url`, sending jobs to `queue` on `broker_url`'s Redis."""
    service = Service(settings, queue, broker_url=broker_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await service.close()

    api = FastAPI(
        title="facepipe",
        version="0.1.0",
        description="Face detection, quality gate and compare on your own buckets.",
        lifespan=lifespan,
    )
    api.state.service = service
    api.include_router(router)
    _install_error_handlers(api)

    @api.middleware("http")
    async def count(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        path = getattr(request.scope.get("route"), "path", "unmatched")
        service.metrics.requests.labels(path, str(response.status_code)).inc()
        service.metrics.seconds.labels(path).observe(time.perf_counter() - started)
        return response

    # Added last = outermost: the gate runs before every route, the shield around it all.
    api.add_middleware(RequestGate, service=service, settings=settings.api)
    api.add_middleware(Shield)
    return api


def _call() -> dict[str, str]:
    # Makes each API call its own job (see the module docstring).
    return {"call": uuid.uuid4().hex}


def _check_inline_size(image: str, limit: int) -> None:
    if image.startswith(BASE64_PREFIX):
        size = len(image) - len(BASE64_PREFIX)
        decoded = size * 3 // 4
        if decoded > limit:
            raise CompareImageTooLargeError(
                f"a compare image is at most {limit // (1024 * 1024)} MB; this one is "
                f"{decoded / (1024 * 1024):.1f} MB"
            )


def _ctyun_compare(result: dict[str, Any]) -> dict[str, Any]:
    """A CompareFaces result in ctyun's shape: code "0" and a 0..1 similarity."""
    data = result.get("Data")
    if result.get("Success") and data:
        return {"code": "0", "message": "success", "result": data["SimilarityScore"] / 100}
    code = ctyun_code(str(result.get("Error") or "InternalError"))
    return {"code": code, "message": result.get("Message", ""), "result": None}


def _find(store: ResultStore, task_ids: list[str]) -> list[JobRecord]:
    return list(store.find(task_ids=task_ids))


def _ping_store(store: ResultStore) -> None:
    with store.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(FacepipeError)
    async def facepipe_error(_: Request, exc: FacepipeError) -> JSONResponse:
        return error_response(exc)

    @api.exception_handler(RequestValidationError)
    async def invalid_body(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()[:5]
        )
        return error_response(MalformedRequestError(problems or "malformed request"))

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # The framework's own refusals (an unparseable body, an unknown route, a wrong
        # method), in the documented shape instead of {"detail": ...}.
        if exc.status_code == 400:
            return error_response(MalformedRequestError("the body is not valid UTF-8 JSON"))
        body = {"code": exc.status_code, "error": "HttpError", "msg": str(exc.detail)}
        return JSONResponse(
            {**body, "requestId": uuid.uuid4().hex},
            status_code=exc.status_code,
            headers=exc.headers,
        )


class _Metrics:
    def __init__(self, queue: JobQueue) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "facepipe_api_requests",
            "HTTP requests by route and status",
            ["route", "status"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "facepipe_api_request_seconds",
            "HTTP request duration by route",
            ["route"],
            registry=self.registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 6, 10),
        )
        depth = Gauge(
            "facepipe_queue_depth", "Messages waiting per queue", ["queue"], registry=self.registry
        )
        for name in QUEUES:
            depth.labels(name).set_function(lambda name=name: queue.depth(name))  # type: ignore[misc]
