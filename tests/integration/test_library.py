"""`facepipe enroll` and `facepipe search` over moto's S3, a Redis broker and real Celery
workers, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import func, select

from pipeline.store.schema import faces, jobs
from tests.integration.conftest import Pipeline
from tests.support import require_fixtures


def facepipe(pipeline: Pipeline, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **pipeline.environment}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def count(pipeline: Pipeline, table: object) -> int:
    with pipeline.store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_enrolling_a_prefix_twice_enrols_once_and_search_finds_the_people(
    pipeline: Pipeline,
) -> None:
    photos = require_fixtures() / "faces"
    for key, name in (
        ("people/obama/1.jpg", "obama.jpg"),
        ("people/obama/2.jpg", "obama3.jpg"),
        ("people/biden/1.jpg", "biden.jpg"),
        ("people/kit/1.jpg", "kit_harington2.jpg"),  # a profile: the gate refuses it
        ("people/cover.jpg", "rose_leslie.jpg"),  # in no person's folder: not enrolled
        ("door/1.jpg", "obama_and_biden.jpg"),
    ):
        pipeline.put(key, (photos / name).read_bytes())
    pipeline.start_worker()
    prefix = f"s3://{pipeline.bucket}/people/"
    out = f"--output={pipeline.log_dir / 'enrolled.jsonl'}"

    first = facepipe(pipeline, "enroll", prefix, "--group", "staff", "--account", "acme", out)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(
        "photos 4, new 4, enrolled 3, refused 1 (471 FaceNotQualified: 1)"
    )
    assert count(pipeline, faces) == 3
    jobs_after_first = count(pipeline, jobs)

    dry = facepipe(pipeline, "enroll", prefix, "--group", "staff", "--account", "acme", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("listed 5, would enrol 0, skipped 5")
    again = facepipe(pipeline, "enroll", prefix, "--group", "staff", "--account", "acme", out)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("photos 4, new 0, enrolled 3, refused 1")
    assert (count(pipeline, faces), count(pipeline, jobs)) == (3, jobs_after_first)

    door = f"s3://{pipeline.bucket}/door/1.jpg"
    found = facepipe(pipeline, "search", door, "--group", "staff", "--account", "acme")
    assert found.returncode == 0, found.stderr
    best = [face["faces"][0]["id"] for face in json.loads(found.stdout) if face["faces"]]
    assert {"obama", "biden"} <= set(best)
    elsewhere = facepipe(pipeline, "search", door, "--group", "staff", "--account", "other")
    assert elsewhere.returncode == 2
    assert "no group 'staff' in account 'other'" in elsewhere.stderr
