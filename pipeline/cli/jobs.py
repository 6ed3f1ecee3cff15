"""`facepipe run`, `worker`, `backfill`, `listen` and `compare-batch`: the commands that
put jobs on the queue or work them off. Celery is imported inside each command, so
`facepipe detect` and `facepipe --help` never load it.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.progress import Progress, TextColumn, TimeElapsedColumn

from pipeline.cli.report import write_store_report
from pipeline.jobs import ImageKind
from pipeline.producers.backfill import BackfillOptions, BackfillReport, backfill
from pipeline.producers.listener import listen, queue_url, sqs_client
from pipeline.producers.manifest import enqueue_pairs
from pipeline.producers.queue import QUEUES
from pipeline.settings import Settings
from pipeline.sources import Sources
from pipeline.store import ResultStore, Summary

if TYPE_CHECKING:
    from pipeline.producers.queue import JobQueue

# Photos from scikit-image's bundled data, plus a TIFF to show how a refused file is reported.
SAMPLES = (
    "astronaut.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "rocket.jpg",
    "no_time_for_that_tiny.gif",
    "multipage.tif",
)
# The per-image tasks a folder or prefix can be run with (compare takes pairs: compare-batch).
TaskOption = Annotated[ImageKind, typer.Option("--task", help="Which analysis each image gets.")]
# Celery's pools that facepipe supports: processes for the CPU-bound analysis, threads for
# the fetch stage, whose downloads wait on the network.
Pool = Literal["prefork", "threads"]


def write_samples(folder: Path) -> Path:
    """Copy the bundled sample images into `folder` (the README's first command uses them)."""
    import skimage.data  # noqa: PLC0415 - only the sample run needs it

    folder.mkdir(parents=True, exist_ok=True)
    for name in SAMPLES:
        # copy2 keeps the modification time, so a rerun finds the same ETags and reuses results.
        shutil.copy2(Path(skimage.data.__file__).parent / name, folder / name)
    return folder


def run_command(
    target: Annotated[
        str | None, typer.Argument(help="A folder, a file, or an s3:// / oss:// prefix.")
    ] = None,
    *,
    task: TaskOption = "detect",
    sample: Annotated[
        bool, typer.Option("--sample", help="Run on sample photos bundled with scikit-image.")
    ] = False,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1)] = os.cpu_count() or 1,
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("facepipe-results.jsonl"),
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    report: Annotated[
        Path | None, typer.Option(help="Also write an HTML report of the run here.")
    ] = None,
) -> None:
    """Run the whole pipeline: enqueue, analyse with workers, store, export, summarise."""
    from workers.run import run_pipeline  # noqa: PLC0415 - Celery only for this command

    if sample:
        target = str(write_samples(Path("facepipe-samples")))
    if target is None:
        raise typer.BadParameter("give a folder or bucket prefix, or --sample")
    settings = Settings()
    outcome = run_pipeline(
        target,
        kind=task,
        settings=settings,
        concurrency=workers,
        output=output,
        also_written=(report,) if report else (),
        show_progress=progress and sys.stderr.isatty(),
    )
    rate = outcome.summary.total / outcome.seconds if outcome.seconds else 0.0
    typer.echo(summary_text(outcome.summary))
    typer.echo(f"{rate:.1f} images/s; results in {outcome.output} and the store")
    if report is not None:
        title = f"facepipe run: {target}"
        write_store_report(settings, report, title=title, task_ids=outcome.task_ids)
        typer.echo(f"report: {report}")


def worker_command(
    queues: Annotated[str, typer.Option(help="Comma-separated queues.")] = ",".join(QUEUES),
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", min=1)] = os.cpu_count() or 1,
    loglevel: Annotated[str, typer.Option()] = "INFO",
    beat: Annotated[
        bool,
        typer.Option(
            help="Also run the scheduler: webhook retries, stalled jobs (one per deployment)."
        ),
    ] = False,
    pool: Annotated[
        Pool,
        typer.Option(help="prefork for analysis; threads for a `--queues fetch` downloader."),
    ] = "prefork",
) -> None:
    """Start a Celery worker on FACEPIPE_BROKER_URL (production)."""
    from workers.app import create_app  # noqa: PLC0415 - Celery only for this command

    settings = Settings()
    ResultStore.open(settings.store_url).close()
    argv = ["worker", "--queues", queues, "--concurrency", str(concurrency), "--pool", pool]
    argv += ["--loglevel", loglevel, *(["--beat"] if beat else [])]
    create_app(settings).worker_main(argv)


def backfill_command(
    target: Annotated[str, typer.Argument(help="s3://bucket/prefix, oss://... or a folder.")],
    *,
    task: TaskOption = "detect",
    missing: Annotated[
        bool,
        typer.Option(
            "--missing/--all",
            help="--missing skips images with a result for the same ETag; --all redoes them.",
        ),
    ] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, enqueue nothing.")] = False,
    rate: Annotated[float | None, typer.Option(help="At most this many objects/s.")] = None,
    high_water: Annotated[int, typer.Option(help="Pause while the queue is longer.")] = 50_000,
    batch: Annotated[int, typer.Option(help="Objects per store write, send and checkpoint.")] = 500,
) -> None:
    """Enqueue every image under a prefix on the bulk queue; resumes after a crash."""
    settings = Settings()
    store = ResultStore.open(settings.store_url)
    with _listing_progress() as on_batch:
        options = BackfillOptions(
            kind=task,
            reprocess=not missing,
            dry_run=dry_run,
            rate=rate,
            high_water=high_water,
            batch=batch,
            on_batch=on_batch,
        )
        report = backfill(target, store, celery_queue(settings), Sources(settings).buckets, options)
    verb = "would enqueue" if dry_run else "enqueued"
    typer.echo(
        f"listed {report.listed}, {verb} {report.enqueued}, skipped {report.skipped}"
        + (f" (resumed after {report.resumed_after!r})" if report.resumed_after else "")
    )


def listen_command(
    queue_uri: Annotated[str, typer.Argument(help="sqs://<queue name> or sqs://<queue URL>")],
    *,
    task: TaskOption = "detect",
    endpoint_url: Annotated[
        str | None, typer.Option(help="SQS endpoint (default: AWS; set for moto/ElasticMQ).")
    ] = None,
) -> None:
    """Turn S3 / MinIO / OSS upload notifications from an SQS queue into jobs (Ctrl-C stops)."""
    settings = Settings()
    store = ResultStore.open(settings.store_url)
    client = sqs_client(settings.sources, endpoint_url)
    url = queue_url(queue_uri, client)
    typer.echo(f"listening on {url}", err=True)
    try:
        listen(
            url,
            client,
            store,
            celery_queue(settings),
            kind=task,
            prefixes=settings.library.prefixes,
        )
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


def compare_batch_command(
    manifest: Annotated[Path, typer.Argument(help="CSV (source,target[,dataId]) or JSONL.")],
) -> None:
    """Enqueue a compare job for every (source, target) pair of a manifest."""
    settings = Settings()
    store = ResultStore.open(settings.store_url)
    pairs, enqueued = enqueue_pairs(manifest, store, celery_queue(settings))
    typer.echo(f"{pairs} pairs, enqueued {enqueued}")


def celery_queue(settings: Settings) -> JobQueue:
    """The job queue on FACEPIPE_BROKER_URL, through Celery."""
    from workers.app import create_app  # noqa: PLC0415 - Celery only where it is used
    from workers.queue import CeleryJobQueue  # noqa: PLC0415

    return CeleryJobQueue(create_app(settings))


def summary_text(summary: Summary) -> str:
    """One line: images, outcomes, faces, and failures by code."""
    failed = ", ".join(f"{code}: {n}" for code, n in sorted(summary.failed_by_code.items()))
    return (
        f"images {summary.total}, succeeded {summary.by_status['succeeded']}, "
        f"faces {summary.faces}, qualified {summary.qualified_faces}, "
        f"failed {summary.by_status['failed']}" + (f" ({failed})" if failed else "")
    )


@contextmanager
def _listing_progress() -> Iterator[Callable[[BackfillReport], None]]:
    if not sys.stderr.isatty():
        yield lambda _: None
        return
    columns = (
        TextColumn("listing"),
        TextColumn("{task.fields[listed]} listed, {task.completed:.0f} enqueued"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns) as progress:
        task = progress.add_task("backfill", total=None, listed=0, rate="")
        started = time.monotonic()

        def on_batch(report: BackfillReport) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            progress.update(
                task,
                completed=report.enqueued,
                listed=report.listed,
                rate=f"{report.listed / elapsed:,.0f} objects/s",
            )

        yield on_batch
