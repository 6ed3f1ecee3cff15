"""`facepipe report`: the stored results as one self-contained HTML page."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from pipeline.report import ReportStats, write_report
from pipeline.settings import Settings
from pipeline.sources import Sources
from pipeline.store import ResultStore
from pipeline.store.records import Status


def report_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path(
        "facepipe-report.html"
    ),
    run: Annotated[
        Path | None,
        typer.Option(help="A run's results file (facepipe run -o): the jobs of that run."),
    ] = None,
    prefix: Annotated[str | None, typer.Option(help="Jobs whose source starts so.")] = None,
    since: Annotated[datetime | None, typer.Option(help="Jobs submitted since (ISO 8601).")] = None,
    status: Annotated[Status | None, typer.Option(help="Only jobs in this state.")] = None,
) -> None:
    """Write an HTML report: summary, histograms, thumbnails with the faces' boxes."""
    task_ids = _run_task_ids(run) if run is not None else None
    title = f"facepipe report: {run or prefix or 'all jobs'}"
    stats = write_store_report(
        Settings(), output, title=title, task_ids=task_ids, prefix=prefix, since=since,
        status=status,
    )  # fmt: skip
    typer.echo(f"{stats.images} images, {stats.faces} faces: {output}")


def write_store_report(
    settings: Settings,
    output: Path,
    *,
    title: str,
    task_ids: Sequence[str] | None = None,
    prefix: str | None = None,
    since: datetime | None = None,
    status: Status | None = None,
) -> ReportStats:
    """The report of the stored jobs that match, written to `output`."""
    store = ResultStore.open(settings.store_url)
    try:
        records = store.find(task_ids=task_ids, prefix=prefix, since=since, status=status)
        return write_report(records, Sources(settings), output, title=title)
    finally:
        store.close()


def _run_task_ids(results: Path) -> list[str]:
    try:
        lines = results.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["taskId"] for line in lines if line.strip()]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise typer.BadParameter(f"{results} is not a run's results file: {exc}") from exc
