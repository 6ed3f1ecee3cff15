"""`facepipe api`, `facepipe openapi`, `facepipe keys ...` and `facepipe webhooks replay`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from pipeline.api.server import api_app, schema_settings, serve
from pipeline.keys import KeyRing
from pipeline.settings import Settings
from pipeline.store import ResultStore

keys_app = typer.Typer(help="API keys (AppKey/AppSecret), derived from FACEPIPE_API_MASTER_KEY.")
webhooks_app = typer.Typer(help="Webhook deliveries.")


def api_command(
    host: Annotated[str | None, typer.Option(help="Default: FACEPIPE_API_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: FACEPIPE_API_PORT.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
) -> None:
    """Serve the HTTP API (sync/async detect and compare, results, bucket events)."""
    settings = Settings()
    _keyring(settings)  # fail now, with the reason, rather than at the first request
    serve(settings, host=host, port=port, workers=workers)


def openapi_command() -> None:
    """Print the service's OpenAPI schema (committed as pipeline/api/openapi.json)."""
    typer.echo(json.dumps(api_app(schema_settings()).openapi(), indent=2, sort_keys=True))


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
    shown = {
        "appKey": credentials.key_id,
        "appSecret": credentials.secret,
        "accountId": credentials.account_id,
        "webhookSecret": credentials.webhook_secret,
    }
    typer.echo(json.dumps(shown, indent=2))


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
    # Celery only for this command.
    from workers.app import create_app  # noqa: PLC0415
    from workers.webhooks import send_deliveries  # noqa: PLC0415

    settings = Settings()
    store = ResultStore.open(settings.store_url)
    replayed = store.deliveries.replay(task_id=task, since=since)
    if replayed:
        send_deliveries(replayed, via=create_app(settings))
    typer.echo(f"replayed {len(replayed)} dead deliveries")


def _keyring(settings: Settings) -> KeyRing:
    master = settings.api.master_key
    if master is None:
        typer.echo(
            "set FACEPIPE_API_MASTER_KEY (16+ characters): API keys derive from it", err=True
        )
        raise typer.Exit(2)
    return KeyRing(ResultStore.open(settings.store_url).api_keys, master.get_secret_value())
