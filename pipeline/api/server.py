"""Serving the API: the ASGI factory over the Celery queue, and uvicorn's options.

`uvicorn --factory pipeline.api.server:api_app` serves it as `facepipe api` does.
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import SecretStr

from pipeline.api.app import create_api
from pipeline.broker import broker_url
from pipeline.settings import ApiSettings, Settings

# The import string uvicorn's worker processes build the app from.
FACTORY = "pipeline.api.server:api_app"


def api_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app over Celery, from FACEPIPE_* settings."""
    # Celery is loaded here, where the service is assembled, not by the routes.
    from workers.app import create_app  # noqa: PLC0415
    from workers.queue import CeleryJobQueue  # noqa: PLC0415

    settings = settings or Settings()
    queue = CeleryJobQueue(create_app(settings))
    return create_api(settings, queue, broker_url=broker_url(settings))


def serve(settings: Settings, *, host: str | None, port: int | None, workers: int) -> None:
    """Run uvicorn with `workers` processes, each building the app with `api_app`."""
    import uvicorn  # noqa: PLC0415 - only the server needs it

    uvicorn.run(
        FACTORY,
        factory=True,
        host=host or settings.api.host,
        port=settings.api.port if port is None else port,
        workers=workers,
        log_level="info",
        # h11 bounds the request head it buffers (httptools does not): a client cannot make
        # the server hold megabytes of headers. A little above the API's own limit, which
        # answers 431 in the documented shape; past h11's, the connection closes.
        http="h11",
        h11_max_incomplete_event_size=settings.api.max_header_bytes + 8 * 1024,
    )


def schema_settings() -> Settings:
    """Settings enough to build the app for its schema, which needs no secret or store."""
    api = ApiSettings(master_key=SecretStr("schema-only-" + "x" * 16))
    return Settings(api=api, store_url="sqlite://")
