"""`facepipe api`, `facepipe keys ...` and `facepipe webhooks replay`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr

from pipeline.api import create_api
from pipeline.keys import KeyRing
from pipeline.settings import ApiSettings, Settings
from pipeline.store import ResultStore
from workers.app import DEFAULT_BROKER, create_app
from workers.queue import CeleryJobQueue


def api_app(settings: Settings | None = None) -> FastAPI:
    """The ASGI app over Celery, from FACEPIPE_* settings.

    `uvicorn --factory workers.service:api_app` serves it too.
    """
    settings = settings or Settings()
    queue = CeleryJobQueue(create_app(settings))
    return create_api(settings, queue, broker_url=settings.broker_url or DEFAULT_BROKER)


def register_service_commands(app: typer.Typer) -> None:
    keys_app = typer.Typer(
        help="API keys (AppKey/AppSecret), derived from FACEPIPE_API_MASTER_KEY."
    )
    webhooks_app = typer.Typer(help="Webhook deliveries.")
    app.add_typer(keys_app, name="keys")
    app.add_typer(webhooks_app, name="webhooks")

    @app.command("api")
    def api_command(
        host: Annotated[str | None, typer.Option(help="Default: FACEPIPE_API_HOST.")] = None,
        port: Annotated[int | None, typer.Option(help="Default: FACEPIPE_API_PORT.")] = None,
        workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
    ) -> None:
        """Serve the HTTP API (sync/async detect and compare, results, bucket events)."""
        settings = Settings()
        _keyring(settings)  # fail now, with the reason, rather than at the first request
        uvicorn.run(
            "workers.service:api_app",
            factory=True,
            host=host or settings.api.host,
            port=settings.api.port if port is None else port,
            workers=workers,
            log_level="info",
            # h11 bounds the request head it buffers (httptools does not): a client cannot
            # make the server hold megabytes of headers. A little above the API's own limit,
            # which answers 431 in the documented shape; past h11's, the connection closes.
            http="h11",
            h11_max_incomplete_event_size=settings.api.max_header_bytes + 8 * 1024,
        )

    @app.command("openapi")
    def openapi_command() -> None:
        """Print the service's OpenAPI schema (committed as pipeline/api/openapi.json)."""
        typer.echo(json.dumps(api_app(_schema_settings()).openapi(), indent=2, sort_keys=True))

    @keys_app.command("create")
    def keys_create(
        account: Annotated[str, typer.Option(help="Account id (the callback checksum's uid).")],
        name: Annotated[str | None, typer.Option(help="A note to tell keys apart.")] = None,
        admin: Annotated[
            bool, typer.Option(help="Also reads jobs no key submitted (backfills, triggers).")
        ] = False,
    ) -> None:
        """Create a key; prints its AppKey, AppSecret and webhook secret (shown only here)."""
        credentials = _keyring(Settings()).create(account, name, admin=admin)
        typer.echo(
            json.dumps(
                {
                    "appKey": credentials.key_id,
                    "appSecret": credentials.secret,
                    "accountId": credentials.account_id,
                    "webhookSecret": credentials.webhook_secret,
                },
                indent=2,
            )
        )

    @keys_app.command("revoke")
    def keys_revoke(app_key: str) -> None:
        """Revoke a key: its requests are refused from now on."""
        if not _keyring(Settings()).revoke(app_key):
            typer.echo(f"no active key {app_key}", err=True)
            raise typer.Exit(1)
        typer.echo(f"revoked {app_key}")

    @keys_app.command("list")
    def keys_list() -> None:
        """Keys with their account, name and state (never a secret)."""
        for key in _keyring(Settings()).list():
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            role = "admin" if key.admin else "key"
            typer.echo(f"{key.key_id}\t{key.account_id}\t{key.name or ''}\t{role}\t{state}")

    @webhooks_app.command("replay")
    def webhooks_replay(
        task: Annotated[str | None, typer.Option("--task", help="Only this taskId.")] = None,
        since: Annotated[
            datetime | None, typer.Option(help="Only deliveries created since (ISO 8601).")
        ] = None,
    ) -> None:
        """Send dead-lettered deliveries again (with fresh retries)."""
        from workers.webhooks import send_deliveries  # noqa: PLC0415 - imports the tasks

        settings = Settings()
        store = ResultStore.open(settings.store_url)
        replayed = store.deliveries.replay(task_id=task, since=since)
        if replayed:
            send_deliveries(replayed, via=create_app(settings))
        typer.echo(f"replayed {len(replayed)} dead deliveries")


def _schema_settings() -> Settings:
    # The schema does not depend on secrets or the store: any will do to build the app.
    api = ApiSettings(master_key=SecretStr("schema-only-" + "x" * 16))
    return Settings(api=api, store_url="sqlite://")


def _keyring(settings: Settings) -> KeyRing:
    master = settings.api.master_key
    if master is None:
        typer.echo(
            "set FACEPIPE_API_MASTER_KEY (16+ characters): API keys derive from it", err=True
        )
        raise typer.Exit(2)
    return KeyRing(ResultStore.open(settings.store_url).api_keys, master.get_secret_value())
