"""`facepipe enroll`, `search` and `reindex`: the face library from the command line.

`enroll` turns a bucket prefix (or folder) of `<person>/<photo>` files into a group's
persons, through the workers like `facepipe run`; `search` looks one image up in a group,
in this process, over the same store; `reindex` re-embeds stored faces with the configured
descriptor (`pipeline.library.reindex`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from pipeline.errors import FacepipeError
from pipeline.jobs import JobSpec
from pipeline.library import jobs as library_jobs
from pipeline.library.backends import open_index
from pipeline.library.reindex import Reindexed, reindex
from pipeline.library.store import Library
from pipeline.producers.backfill import BackfillOptions, backfill
from pipeline.producers.uploads import person_of
from pipeline.settings import LIBRARY_ID, Settings
from pipeline.sources import ImageRef, Sources
from pipeline.sources.listing import Listed
from pipeline.store import ResultStore

# The account of libraries filled from the command line, unless --account says otherwise.
DEFAULT_ACCOUNT = "default"
GroupOption = Annotated[str, typer.Option("--group", "-g", help="The group.", show_default=False)]
AccountOption = Annotated[
    str, typer.Option("--account", help="The account whose library this is (API keys' id).")
]


def _checked_id(value: str) -> str:
    import re  # noqa: PLC0415 - only for this check

    if not re.fullmatch(LIBRARY_ID, value):
        raise typer.BadParameter(f"{value!r}: letters, digits, _ and - only, at most 32")
    return value


def enroll_command(
    target: Annotated[
        str, typer.Argument(help="s3://bucket/people/, oss://... or a folder of person folders.")
    ],
    *,
    group: GroupOption,
    account: AccountOption = DEFAULT_ACCOUNT,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be enrolled; enrol nothing.")
    ] = False,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1)] = os.cpu_count() or 1,
    output: Annotated[Path, typer.Option("--output", "-o")] = Path("facepipe-enrolled.jsonl"),
) -> None:
    """Enrol every photo under TARGET: the first folder under it is the person id.

    Resumable and idempotent: a photo already enrolled (same object and ETag) is skipped,
    so running it again enrols only what is new. A face the quality gate refuses is not
    enrolled; the output lists it with its reasons.
    """
    from workers.run import run_pipeline  # noqa: PLC0415 - Celery only for this command

    _checked_id(group)
    settings = Settings()
    # What each listed object's URI starts with: the prefix, or the folder's resolved path.
    if "://" in target:
        prefix = target if target.endswith("/") else target + "/"
    else:
        prefix = str(Path(target).resolve()) + os.sep
    params = {library_jobs.ACCOUNT: account, library_jobs.GROUP: group}

    def spec_for(item: Listed) -> JobSpec | None:
        person = person_of(prefix, item.ref.uri)
        if person is None:
            return None
        return JobSpec("enroll", item.ref, params=params | {library_jobs.PERSON: person})

    if dry_run:
        store = ResultStore.open(settings.store_url)
        options = BackfillOptions(kind="enroll", dry_run=True, checkpoint=False, spec_for=spec_for)
        report = backfill(target, store, _no_queue(), Sources(settings).buckets, options)
        typer.echo(
            f"listed {report.listed}, would enrol {report.enqueued}, "
            f"skipped {report.skipped} (enrolled before, or outside a person folder)"
        )
        return
    outcome = run_pipeline(
        target,
        kind="enroll",
        settings=settings,
        concurrency=workers,
        output=output,
        show_progress=sys.stderr.isatty(),
        spec_for=spec_for,
    )
    summary = outcome.summary
    failed = ", ".join(f"{code}: {n}" for code, n in sorted(summary.failed_by_code.items()))
    typer.echo(
        f"photos {summary.total}, new {outcome.enqueued}, "
        f"enrolled {summary.by_status['succeeded']}, "
        f"refused {summary.by_status['failed']}" + (f" ({failed})" if failed else "")
    )
    typer.echo(f"results in {outcome.output} and the store")


def search_command(
    image: Annotated[str, typer.Argument(help="A file, s3://, oss:// or http(s) URL.")],
    *,
    group: GroupOption,
    account: AccountOption = DEFAULT_ACCOUNT,
) -> None:
    """Search the faces of IMAGE in a group: each face's matching persons, best first."""
    settings = Settings()
    store = ResultStore.open(settings.store_url)
    library = Library(store.engine, settings.library, open_index(store.engine, settings.library))
    if not library.group_exists(account, _checked_id(group)):
        typer.echo(f"no group {group!r} in account {account!r}", err=True)
        raise typer.Exit(2)
    ref = ImageRef(image)
    params = {library_jobs.ACCOUNT: account, library_jobs.GROUP: group}
    try:
        data = Sources(settings).fetch(ref)
        result, _, _ = library_jobs.search(
            "cli", ref, params, data, library=library, settings=settings
        )
    except FacepipeError as error:
        typer.echo(f"{error.code} {error.name}: {error.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(result["results"][0]["sfaceData"], ensure_ascii=False, indent=1))


def reindex_command(
    *,
    account: Annotated[
        str | None,
        typer.Option("--account", help="Only this account's faces.", show_default="all"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count the faces under each descriptor; change none.")
    ] = False,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1)] = os.cpu_count() or 1,
) -> None:
    """Re-embed the stored faces with the configured descriptor (FACEPIPE_ENGINE_DESCRIPTOR).

    Run it after changing the descriptor: search compares a query only with faces stored
    under the descriptor it computed. Each face's photo is fetched again from the URI it was
    enrolled from. Resumable: a rerun picks up what is left. Exits 1 when a face could not be
    re-embedded (its photo gone, or no face at its box); such faces are listed and keep their
    old descriptor.
    """
    settings = Settings()
    store = ResultStore.open(settings.store_url)
    library = Library(store.engine, settings.library, open_index(store.engine, settings.library))
    target = settings.engine.descriptor
    if dry_run:
        counts = library.descriptor_counts(account)
        listed = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
        left = sum(count for name, count in counts.items() if name != target)
        typer.echo(f"faces by descriptor: {listed or 'none'}; to re-embed with {target}: {left}")
        return

    def report(done: Reindexed) -> None:
        if done.error is not None:
            face = done.stored.face
            typer.echo(
                f"{done.stored.account_id} {face.person_id} {face.face_id} {face.source_uri}: "
                f"{done.error.code} {done.error.name}: {done.error.message}",
                err=True,
            )

    summary = reindex(library, settings, account=account, workers=workers, on_face=report)
    failed = ", ".join(f"{name}: {n}" for name, n in sorted(summary.failed.items()))
    typer.echo(
        f"re-embedded with {target}: {summary.reindexed}, "
        f"left as they were: {sum(summary.failed.values())}" + (f" ({failed})" if failed else "")
    )
    if summary.failed:
        raise typer.Exit(1)


def _no_queue() -> _DryRunQueue:
    return _DryRunQueue()


class _DryRunQueue:
    """A dry run sends nothing; `backfill` only asks how deep the queue is."""

    def enqueue(self, *_: object) -> None:
        raise AssertionError("a dry run enqueues nothing")

    def depth(self, _: object) -> int:
        return 0
