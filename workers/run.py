"""`facepipe run`: the whole pipeline over a folder or bucket prefix, start to finish.

Without `FACEPIPE_BROKER_URL` it brings its own broker and workers (see `embedded`); with
one, it only enqueues and follows the shared workers' progress.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy.engine import make_url

from pipeline.jobs import JobKind, JobSpec
from pipeline.producers.backfill import BackfillOptions, BackfillReport, backfill
from pipeline.settings import Settings
from pipeline.sources import Sources
from pipeline.sources.listing import Listed
from pipeline.store import ResultStore, Summary
from workers.app import create_app
from workers.embedded import private_broker, worker_processes
from workers.queue import CeleryJobQueue

# The files SQLite keeps beside a database.
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")

POLL = 0.25
_Advance = Callable[[int], None]


class WorkersDiedError(RuntimeError):
    """The embedded worker process exited while jobs were still unfinished."""


@dataclass(frozen=True)
class RunReport:
    summary: Summary
    output: Path
    seconds: float
    task_ids: tuple[str, ...] = ()
    # Jobs this run enqueued; the others were finished by an earlier run.
    enqueued: int = 0


def run_pipeline(
    target: str,
    *,
    kind: JobKind,
    settings: Settings,
    concurrency: int,
    output: Path,
    also_written: tuple[Path, ...] = (),
    show_progress: bool = True,
    spec_for: Callable[[Listed], JobSpec | None] | None = None,
) -> RunReport:
    """Analyse everything under `target`; results go to the store and to `output` (JSONL).

    `spec_for` makes each object's job (`BackfillOptions.spec_for`; `facepipe enroll`)."""
    started = time.monotonic()
    store = ResultStore.open(settings.store_url)
    with ExitStack() as stack:
        worker: subprocess.Popen[bytes] | None = None
        environment: dict[str, str] = {}
        if settings.broker_url is None:
            directory = Path(stack.enter_context(TemporaryDirectory(prefix="facepipe-")))
            broker = stack.enter_context(private_broker(directory))
            settings = settings.model_copy(update={"broker_url": broker})
            environment = {"FACEPIPE_BROKER_URL": broker, "FACEPIPE_STORE_URL": store.url}
        queue = CeleryJobQueue(create_app(settings))

        def start_workers(progress: BackfillReport) -> None:
            # At the first batch with work, so that their start-up (Celery, models) overlaps
            # the rest of the listing; a rerun over analysed images starts none.
            nonlocal worker
            if environment and worker is None and progress.enqueued:
                worker = stack.enter_context(worker_processes(environment, concurrency))

        options = BackfillOptions(
            kind=kind,
            queue="bulk",
            collect_task_ids=True,
            checkpoint=False,
            on_batch=start_workers,
            skip=own_files(settings.store_url, output, *also_written),
            spec_for=spec_for,
        )
        report = backfill(target, store, queue, Sources(settings).buckets, options)
        summary = _follow(store, report.task_ids, worker, show_progress)
    with output.open("w", encoding="utf-8") as out:
        store.export_jsonl(out, task_ids=report.task_ids)
    store.close()
    return RunReport(
        summary=summary,
        output=output,
        seconds=time.monotonic() - started,
        task_ids=tuple(report.task_ids),
        enqueued=report.enqueued,
    )


def own_files(store_url: str, output: Path, *also: Path) -> frozenset[Path]:
    """The files a run writes, which `facepipe run .` in a photo folder must not analyse:
    the JSONL output, an SQLite store with its journal files, and `also` (the report)."""
    files = {output.resolve(), *(path.resolve() for path in also)}
    url = make_url(store_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        database = Path(url.database).resolve()
        files |= {database, *(database.with_name(database.name + s) for s in SQLITE_SIDECARS)}
    return frozenset(files)


def _follow(
    store: ResultStore,
    task_ids: list[str],
    worker: subprocess.Popen[bytes] | None,
    show_progress: bool,
) -> Summary:
    """Wait until every job is finished, showing progress with rate and ETA."""
    with _progress(len(task_ids), show_progress) as advance:
        while True:
            summary = store.summary(task_ids)
            advance(summary.finished)
            if summary.finished >= len(task_ids):
                return summary
            if worker is not None and worker.poll() is not None:
                raise WorkersDiedError(
                    f"the worker exited with status {worker.returncode}; "
                    f"{summary.finished} of {len(task_ids)} jobs finished"
                )
            time.sleep(POLL)


@contextmanager
def _progress(total: int, show: bool) -> Iterator[_Advance]:
    if not show:
        yield lambda _: None
        return
    columns = (
        TextColumn("analysing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task("run", total=total, rate="")
        started = time.monotonic()

        def advance(done: int) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            progress.update(task, completed=done, rate=f"{done / elapsed:.1f} img/s")

        yield advance
