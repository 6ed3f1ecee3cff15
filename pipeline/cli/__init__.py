"""The `facepipe` command, assembled here from one module per command family.

    analyse.py  detect, compare: one image or pair, in this process
    jobs.py     run, worker, backfill, listen, compare-batch: through the queue (Celery)
    library.py  enroll, search, reindex: the face library of 1:N search
    results.py  results get | export
    report.py   report: the stored results as an HTML page
    service.py  api, openapi, keys, webhooks replay

`facepipe` and `python -m pipeline.cli` are the same command.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from pipeline.cli import analyse, jobs, library, report, service
from pipeline.cli.results import results_app

PROG = "facepipe"

app = typer.Typer(
    name=PROG,
    help="Self-hostable face analysis: detect, quality gate, attributes, compare, search.",
    no_args_is_help=True,
)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO.")] = False,
) -> None:
    """Self-hostable face analysis: detect, quality gate, attributes, compare, search."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


app.command("detect")(analyse.detect_command)
app.command("compare")(analyse.compare_command)
app.command("run")(jobs.run_command)
app.command("worker")(jobs.worker_command)
app.command("backfill")(jobs.backfill_command)
app.command("listen")(jobs.listen_command)
app.command("compare-batch")(jobs.compare_batch_command)
app.command("enroll")(library.enroll_command)
app.command("search")(library.search_command)
app.command("reindex")(library.reindex_command)
app.add_typer(results_app, name="results")
app.command("report")(report.report_command)
app.command("api")(service.api_command)
app.command("openapi")(service.openapi_command)
app.add_typer(service.keys_app, name="keys")
app.add_typer(service.webhooks_app, name="webhooks")


def run() -> None:
    """The console script's entry point."""
    app(prog_name=PROG)


__all__ = ["app", "run"]
