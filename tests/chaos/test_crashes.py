"""Crashes in the middle of a batch, with counts asserted: no job lost, none duplicated,
none stuck, and exactly one callback per job (a replay of dead letters included)."""

from __future__ import annotations

import time

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.store import TERMINAL
from tests.chaos.conftest import Chaos
from tests.support import wait_until

BATCH = 24


def finished_count(chaos: Chaos, task_ids: list[str]) -> int:
    return sum(1 for r in chaos.store.find(task_ids=task_ids) if r.status in TERMINAL)


def test_job_workers_killed_twice_mid_batch(chaos: Chaos) -> None:
    chaos.start_scheduler()
    worker = chaos.start_jobs_worker()
    task_ids = chaos.submit(BATCH)
    for kills in (1, 2):
        # Some work done, some in flight: then SIGKILL, no warm shutdown, no acks.
        wait_until(lambda k=kills: finished_count(chaos, task_ids) >= 4 * k, 60, "progress")
        worker.kill()
        worker = chaos.start_jobs_worker()
    chaos.assert_nothing_lost_duplicated_or_stuck(task_ids)


def test_redis_killed_and_restarted_mid_batch(chaos: Chaos) -> None:
    chaos.start_scheduler()
    chaos.start_jobs_worker()
    chaos.supervise()
    task_ids = chaos.submit(BATCH)
    wait_until(lambda: finished_count(chaos, task_ids) >= 4, 60, "progress")
    chaos.redis.kill()  # kill -9: only what its append-only file holds survives
    time.sleep(2)
    chaos.redis.start()  # same port, same data directory
    chaos.assert_nothing_lost_duplicated_or_stuck(task_ids)


def test_a_receiver_down_gets_every_callback_once_after_the_replay(chaos: Chaos) -> None:
    chaos.site.receiver.down = True
    chaos.start_scheduler()
    chaos.start_jobs_worker()
    task_ids = chaos.submit(8)

    def all_dead() -> bool:
        found = chaos.store.deliveries.find(task_ids=task_ids)
        return len(found) == len(task_ids) and all(d.status == "dead" for d in found)

    wait_until(all_dead, 90, "every delivery to be dead-lettered")
    assert chaos.site.receiver.refused == 4 * len(task_ids)  # the first attempt and 3 retries
    assert not chaos.site.receiver.callbacks
    chaos.site.receiver.down = False
    result = CliRunner().invoke(app, ["webhooks", "replay"], env=chaos.environment)
    assert result.exit_code == 0, result.output
    assert f"replayed {len(task_ids)}" in result.output
    chaos.assert_nothing_lost_duplicated_or_stuck(task_ids)
