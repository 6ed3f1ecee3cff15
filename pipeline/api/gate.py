"""What every request passes before a route sees it, as two ASGI middlewares.

`RequestGate` (inner) bounds the request and finds its caller, in this order: headers at
most `max_header_bytes` (431), the body at most `max_body_bytes` whether declared or chunked
(413), then the signature (401, in any scheme of `pipeline.signatures`), a nonce seen before
(401) and the key's rate (429). Only then is the body handed on, so a route's validation
never runs for an unsigned request.

`Shield` (outer) turns anything that escapes into an answer in the documented error shape:
a backing service that is down into 503 ServiceUnavailable, anything else into 500
InternalError. Neither says more than that (no SQL, address or exception text reaches the
client; the log has the details), and both keep the connection usable.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import redis.asyncio as aioredis
from fastapi.concurrency import run_in_threadpool
from redis.exceptions import RedisError
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipeline.api.errors import error_response
from pipeline.errors import (
    FacepipeError,
    HeadersTooLargeError,
    InternalError,
    ReplayedRequestError,
    RequestTooLargeError,
    ServiceUnavailableError,
)
from pipeline.keys import Caller, KeyRing
from pipeline.ratelimit import RateLimit
from pipeline.settings import ApiSettings
from pipeline.signatures import Scheme, SignedRequest

logger = logging.getLogger(__name__)

# Routes anyone may call: probes, metrics and the API's own documentation.
PUBLIC_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
)
# Routes that also take a fixed `Authorization: Bearer <AppKey>:<AppSecret>`: bucket
# notifications (MinIO's webhook target, ...) cannot sign each request.
BEARER_PREFIXES = ("/events/",)
# What a backing service that is down raises, through each client library.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    RedisError,
    OperationalError,
    InterfaceError,
    ConnectionError,
)
NONCE_PREFIX = "facepipe:nonce:"
# Routes in the documented JSON API, whose body is JSON whatever its declared type.
GREEN_PREFIX = "/green/"
OPAQUE_TYPES = (b"application/octet-stream", b"text/plain", b"")
# How much of an oversized chunked body is read and dropped before the 413, in body limits.
DRAIN_FACTOR = 4


def caller_of(scope: Scope) -> Caller:
    """The caller `RequestGate` authenticated for this request."""
    caller: Caller = scope["state"]["caller"]
    return caller


class Authenticator(Protocol):
    keyring: KeyRing
    limit: RateLimit
    notices: aioredis.Redis


class RequestGate:
    """Limits, authentication, replay and rate checks before the routes (module docstring)."""

    def __init__(self, app: ASGIApp, *, service: Authenticator, settings: ApiSettings) -> None:
        self.app = app
        self.service = service
        self.settings = settings
        self.max_age: dict[Scheme, float] = {
            "facepipe": settings.signature_max_age,
            "ctyun": settings.signature_max_age,
            "acs-roa": settings.acs_max_clock_skew,
            "acs-rpc": settings.acs_max_clock_skew,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._check_headers(scope)
            if scope["path"] in PUBLIC_PATHS:
                await self.app(scope, receive, send)
                return
            body = await self._read_body(scope, receive)
            caller = await self._authenticate(scope, body)
        except FacepipeError as error:
            await error_response(error)(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(_json_if_opaque(scope), _replayed(body, receive), send)

    def _check_headers(self, scope: Scope) -> None:
        size = sum(len(name) + len(value) for name, value in scope["headers"])
        if size > self.settings.max_header_bytes:
            raise HeadersTooLargeError(
                f"the request headers are {size:,} bytes; at most "
                f"{self.settings.max_header_bytes:,}"
            )

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.settings.max_body_bytes
        too_large = RequestTooLargeError(
            f"the request body is larger than {limit // (1024 * 1024)} MB"
        )
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise too_large
        chunks: list[bytes] = []
        received = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            more = message.get("more_body", False)
            received += len(chunk)
            if received > limit:
                # Read (and drop) the rest, up to a bound: a server that answers and closes
                # while the client still sends makes the client see a reset, not the 413.
                while more and received <= DRAIN_FACTOR * limit:
                    message = await receive()
                    received += len(message.get("body", b""))
                    more = message.get("more_body", False)
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)

    async def _authenticate(self, scope: Scope, body: bytes) -> Caller:
        headers = Headers(scope=scope)
        path = scope["path"]
        token = headers.get("authorization", "")
        if path.startswith(BEARER_PREFIXES) and token.lower().startswith("bearer "):
            caller = await run_in_threadpool(
                self.service.keyring.authenticate_token, token[7:].strip()
            )
        else:
            request = SignedRequest(
                method=scope["method"],
                path=path,
                query=scope.get("query_string", b"").decode("latin-1"),
                # A repeated header counts by its first value, as the routes read it.
                headers=dict(headers),
                body=body,
            )
            caller = await run_in_threadpool(
                functools.partial(self.service.keyring.authenticate, request, max_age=self.max_age)
            )
            await self._refuse_replays(caller)
        await self.service.limit.hit(caller.key_id)
        return caller

    async def _refuse_replays(self, caller: Caller) -> None:
        if caller.replay_token is None or not (caller.nonce or self.settings.replay_cache):
            return
        digest = hashlib.sha256(caller.replay_token.encode()).hexdigest()
        first = await self.service.notices.set(
            f"{NONCE_PREFIX}{caller.key_id}:{digest}",
            1,
            nx=True,
            # Past the signature's own window the time check refuses it anyway.
            ex=max(1, int(2 * caller.replay_window)),
        )
        if not first:
            raise ReplayedRequestError("this signed request (or its nonce) was used before")


class Shield:
    """The outermost middleware: every failure becomes a documented error answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as exc:
            error = _hidden(exc, scope)
            if started:  # too late for another answer; the server closes the connection
                return
            await error_response(error)(scope, receive, send)


def _hidden(exc: Exception, scope: Scope) -> FacepipeError:
    if isinstance(exc, UNAVAILABLE):
        logger.warning(
            "%s %s: a backing service is unavailable: %r", scope["method"], scope["path"], exc
        )
        return ServiceUnavailableError(
            "a backing service (broker or results store) is unavailable; try again shortly"
        )
    logger.exception("%s %s failed unexpectedly", scope["method"], scope["path"])
    return InternalError("internal error; the service log has the details")


def _json_if_opaque(scope: Scope) -> Scope:
    """The Alibaba SDKs send a Green request's JSON as `application/octet-stream` (the type
    is signed, so it is changed only after the check): let the routes read it as JSON."""
    if not scope["path"].startswith(GREEN_PREFIX):
        return scope
    headers = [
        (name, b"application/json")
        if name == b"content-type" and value.split(b";")[0].strip() in OPAQUE_TYPES
        else (name, value)
        for name, value in scope["headers"]
    ]
    return {**scope, "headers": headers}


def _replayed(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    """A `receive` that hands the body already read to the app, then waits as usual."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
