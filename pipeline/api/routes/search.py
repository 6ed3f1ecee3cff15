"""1:N face search: `/green/image/scan` and the async `/green/image/asyncscan` +
`/green/image/results` with scene `sface-n`, and facepipe's own `/green/sface/search`.

Each image is a `search` job on the workers (fetch, detect, gate, describe, nearest persons
of the group); docs/search.md has the result fields. Async results are kept for polling for
`FACEPIPE_API_SCAN_RESULT_TTL` seconds (the documented hour), then answer 594 EXPIRED.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from pipeline.api.dependencies import Authenticated, State
from pipeline.api.requests import ResultsRequest, ScanRequest, ScanTask, SearchRequest
from pipeline.api.routes.results import PROCESSING
from pipeline.api.state import TASK_ID, ApiState, call_params, echoed
from pipeline.errors import LibraryNotFoundError
from pipeline.jobs import JobSpec
from pipeline.keys import Caller
from pipeline.library.jobs import ACCOUNT, GROUP, failure
from pipeline.store import TERMINAL, JobRecord

router = APIRouter(tags=["face search"])
EXPIRED = {"code": 594, "msg": "EXPIRED"}


async def _search_spec(
    state: ApiState, caller: Caller, group_id: str, url: str, data_id: str | None
) -> JobSpec:
    known = await run_in_threadpool(state.library.group_exists, caller.account_id, group_id)
    if not known:
        raise LibraryNotFoundError(f"no group {group_id!r} in this account")
    params = {ACCOUNT: caller.account_id, GROUP: group_id}
    return JobSpec(
        "search", await state.image_ref(url, caller, data_id), params=call_params() | params
    )


async def _searched(
    state: ApiState, caller: Caller, specs: list[JobSpec], urls: list[str]
) -> list[dict[str, Any]]:
    """Run the search jobs and wait: each task's result, or its timeout in the same shape."""
    results = []
    for url, spec, (task_id, record) in zip(
        urls, specs, await state.run_sync_all(specs, caller), strict=True
    ):
        if record is None or record.result is None:
            timeout = state.sync_timeout(task_id)
            result = failure(task_id, "search", spec.source, spec.params, timeout)
        else:
            result = record.result
        # The caller's URL, also for an inline image (the job holds a parked copy's URI).
        results.append({**result, "url": echoed(url)})
    return results


async def _task_specs(state: ApiState, caller: Caller, tasks: list[ScanTask]) -> list[JobSpec]:
    return [
        await _search_spec(state, caller, task.extras.group_id, task.url, task.data_id)
        for task in tasks
    ]


@router.post("/green/image/scan")
async def scan(body: ScanRequest, caller: Authenticated, state: State) -> Any:
    """Search each task's image in its `extras.groupId` (scene `sface-n`), within 6 s."""
    specs = await _task_specs(state, caller, body.tasks)
    data = await _searched(state, caller, specs, [task.url for task in body.tasks])
    return {"code": 200, "msg": "OK", "requestId": uuid.uuid4().hex, "data": data}


@router.post("/green/image/asyncscan")
async def asyncscan(body: ScanRequest, caller: Authenticated, state: State) -> Any:
    """Submit searches; results by signed callback or `/green/image/results`."""
    specs = await _task_specs(state, caller, body.tasks)
    callback = await state.checked_callback(body.callback)
    task_ids = await state.submit_async(specs, caller, callback, body.seed)
    data = [
        {
            "code": 200,
            "msg": "OK",
            "dataId": task.data_id,
            "taskId": task_id,
            "url": echoed(task.url),
        }
        for task, task_id in zip(body.tasks, task_ids, strict=True)
    ]
    return {"code": 200, "msg": "OK", "requestId": uuid.uuid4().hex, "data": data}


@router.post("/green/image/results")
async def scan_results(body: ResultsRequest, caller: Authenticated, state: State) -> Any:
    """Each task's result: 280 while it runs, 594 once older than the retention, 404 for
    an id this key cannot see."""
    wellformed = [task_id for task_id in body.root if TASK_ID.fullmatch(task_id)]
    found = await run_in_threadpool(lambda: list(state.store.find(task_ids=wellformed)))
    records = {
        record.task_id: record
        for record in found
        if record.spec.kind == "search" and record.visible_to(caller.key_id, admin=caller.admin)
    }
    kept_since = datetime.now(UTC) - timedelta(seconds=state.settings.api.scan_result_ttl)
    data = [_polled(task_id, records.get(task_id), kept_since) for task_id in body.root]
    return {"code": 200, "msg": "OK", "requestId": uuid.uuid4().hex, "data": data}


def _polled(task_id: str, record: JobRecord | None, kept_since: datetime) -> dict[str, Any]:
    if record is None:
        return {"code": 404, "msg": "no such task", "taskId": task_id}
    if record.status not in TERMINAL or record.result is None:
        return {**PROCESSING, "taskId": task_id}
    if record.finished_at is not None and record.finished_at < kept_since:
        return {**EXPIRED, "taskId": task_id}
    return record.result


@router.post("/green/sface/search")
async def search(body: SearchRequest, caller: Authenticated, state: State) -> Any:
    """facepipe's own search answer: each face with the group's persons it matches, best
    first, and `match` (the best one, or null: no enrolled person is similar enough)."""
    spec = await _search_spec(state, caller, body.group_id, body.url, body.data_id)
    (result,) = await _searched(state, caller, [spec], [body.url])
    request_id = uuid.uuid4().hex
    if result["code"] != 200:
        return {"code": result["code"], "msg": result["msg"], "requestId": request_id}
    faces = [
        {
            "location": {key: face[key] for key in ("x", "y", "w", "h")},
            "qualified": face["qualified"],
            "match": face["faces"][0]["id"] if face["faces"] else None,
            "persons": [
                {
                    "personId": person["id"],
                    "name": person["name"],
                    "similarity": person["rate"],
                    "faceId": person["faceId"],
                }
                for person in face["faces"]
            ],
        }
        for face in result["results"][0]["sfaceData"]
    ]
    data = {"code": 200, "taskId": result["taskId"], "groupId": body.group_id, "faces": faces}
    return {"code": 200, "msg": "OK", "requestId": request_id, "data": data}
