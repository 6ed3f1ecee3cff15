"""Probes and metrics: `/healthz`, `/readyz`, `/metrics` (no signature needed)."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from pipeline.api.dependencies import State
from pipeline.store import ResultStore

logger = logging.getLogger(__name__)

router = APIRouter()


@router.get("/healthz", tags=["operations"])
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", tags=["operations"])
async def readyz(state: State) -> Response:
    """The broker and the store answer (503 with the failing check otherwise).

    Unauthenticated, so it names the failing check and nothing more (the log has why).
    """
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(state.notices.ping(), timeout=2)  # type: ignore[arg-type]
        checks["broker"] = "ok"
    except Exception as exc:  # any failure means not ready; say which
        logger.warning("readiness: the broker does not answer: %r", exc)
        checks["broker"] = "unavailable"
    try:
        await run_in_threadpool(_ping_store, state.store)
        checks["store"] = "ok"
    except Exception as exc:
        logger.warning("readiness: the results store does not answer: %r", exc)
        checks["store"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(checks, status_code=200 if ready else 503)


@router.get("/metrics", tags=["operations"])
async def prometheus(state: State) -> Response:
    """Prometheus metrics: requests, latency, queue depth."""
    payload = await run_in_threadpool(generate_latest, state.metrics.registry)
    return Response(payload, media_type=CONTENT_TYPE_LATEST)


def _ping_store(store: ResultStore) -> None:
    with store.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
