"""The app factory: the routes, the error handlers and the middlewares around them."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from pipeline.api.errors import install_error_handlers
from pipeline.api.gate import RequestGate, Shield
from pipeline.api.routes import (
    compare,
    ctyun,
    detect,
    events,
    library,
    operations,
    results,
    search,
)
from pipeline.api.state import ApiState
from pipeline.producers.queue import JobQueue
from pipeline.settings import Settings


def create_api(settings: Settings, queue: JobQueue, *, broker_url: str) -> FastAPI:
    """The service over `settings.store_url`, sending jobs to `queue` on `broker_url`'s Redis."""
    state = ApiState(settings, queue, broker_url=broker_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await state.close()

    api = FastAPI(
        title="facepipe",
        version="0.1.0",
        description="Face detection, quality gate, compare and 1:N search on your own buckets.",
        lifespan=lifespan,
    )
    api.state.api = state
    for routes in (detect, ctyun, results, compare, library, search, events, operations):
        api.include_router(routes.router)
    install_error_handlers(api)

    @api.middleware("http")
    async def count(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        path = getattr(request.scope.get("route"), "path", "unmatched")
        state.metrics.requests.labels(path, str(response.status_code)).inc()
        state.metrics.seconds.labels(path).observe(time.perf_counter() - started)
        return response

    # Added last = outermost: the gate runs before every route, the shield around it all.
    api.add_middleware(RequestGate, service=state, settings=settings.api)
    api.add_middleware(Shield)
    return api
