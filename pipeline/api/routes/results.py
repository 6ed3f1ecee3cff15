"""Polling: `/green/face/results`, how the documented async mode reads a result."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from pipeline.api.dependencies import Authenticated, State
from pipeline.api.requests import ResultsRequest
from pipeline.api.state import TASK_ID
from pipeline.dialects import dialect_of, render
from pipeline.jobs import DETECT_KINDS
from pipeline.store import TERMINAL, JobRecord, ResultStore

# Pending results, as the documented async mode reports them.
PROCESSING = {"code": 280, "msg": "PROCESSING"}

router = APIRouter()


@router.post("/green/face/results", tags=["detect", "compare"])
async def results(body: ResultsRequest, caller: Authenticated, state: State) -> Any:
    """The result of each task id; `code: 280` while it is still running.

    A key sees the tasks it submitted; an admin key also sees those no key submitted
    (backfills, queue-fed triggers). Another key's task is answered 404, as if it did not
    exist, and so is an id that no task can have.
    """
    wellformed = [task_id for task_id in body.root if TASK_ID.fullmatch(task_id)]
    found = await run_in_threadpool(_find, state.store, wellformed)
    records = {r.task_id: r for r in found if r.visible_to(caller.key_id, admin=caller.admin)}
    data = []
    for task_id in body.root:
        record = records.get(task_id)
        if record is None:
            data.append({"code": 404, "msg": "no such task", "taskId": task_id})
        elif record.status not in TERMINAL or record.result is None:
            data.append({**PROCESSING, "taskId": task_id})
        elif record.spec.kind in DETECT_KINDS:
            data.append(render(record.result, dialect_of(record.spec.params)))
        else:
            data.append(record.result)
    return {"code": 200, "msg": "OK", "data": data}


def _find(store: ResultStore, task_ids: list[str]) -> list[JobRecord]:
    return list(store.find(task_ids=task_ids))
