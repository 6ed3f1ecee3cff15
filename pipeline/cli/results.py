"""`facepipe results get|export`: read the results store."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from pipeline.settings import Settings
from pipeline.store import ResultStore
from pipeline.store.records import Status

results_app = typer.Typer(help="Query the results store.")


@results_app.command("get")
def results_get(task_id: str) -> None:
    """Print one job's stored record as JSON."""
    record = ResultStore.open(Settings().store_url).get(task_id)
    if record is None:
        raise typer.Exit(code=1)
    typer.echo(json.dumps(record.to_json(), ensure_ascii=False))


@results_app.command("export")
def results_export(
    prefix: Annotated[str | None, typer.Option(help="Source URI prefix.")] = None,
    status: Annotated[Status | None, typer.Option(help="Only jobs in this state.")] = None,
) -> None:
    """Write matching jobs to stdout as JSON lines."""
    store = ResultStore.open(Settings().store_url)
    store.export_jsonl(sys.stdout, prefix=prefix, status=status)
