"""Green face detection and liveness: `/green/face/detect` (sync), `/green/face/asyncdetect`,
and the same with each face's liveness, `/green/face/liveness` and `/asyncliveness` (or
`liveness: true` on the detect routes)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pipeline.api.dependencies import Authenticated, Format, State
from pipeline.api.requests import AsyncDetectRequest, DetectRequest
from pipeline.api.state import ApiState, call_params
from pipeline.contract import DetectResponse
from pipeline.dialects import FORMAT_PARAM, Dialect, render
from pipeline.jobs import JobKind, JobSpec
from pipeline.keys import Caller

router = APIRouter()


@router.post("/green/face/detect", tags=["detect"])
async def detect(
    body: DetectRequest, caller: Authenticated, state: State, format: Format = "green"
) -> Any:
    """Detect faces and their quality within 6 s (`realtime` queue)."""
    return await _detect_now(body, caller, state, format, liveness=body.liveness)


@router.post("/green/face/liveness", tags=["detect"])
async def liveness(
    body: DetectRequest, caller: Authenticated, state: State, format: Format = "green"
) -> Any:
    """Detect faces with their quality and liveness (Live, Spoof, Unclear) within 6 s."""
    return await _detect_now(body, caller, state, format, liveness=True)


@router.post("/green/face/asyncdetect", tags=["detect"])
async def asyncdetect(
    body: AsyncDetectRequest,
    caller: Authenticated,
    state: State,
    format: Format = "green",
) -> Any:
    """Submit one image (`url`) or up to 100 (`tasks`); results by callback or polling.

    `format` picks the dialect of the callback and of `/green/face/results` for these tasks.
    """
    return await _submit(body, caller, state, format, liveness=body.liveness)


@router.post("/green/face/asyncliveness", tags=["detect"])
async def asyncliveness(
    body: AsyncDetectRequest,
    caller: Authenticated,
    state: State,
    format: Format = "green",
) -> Any:
    """`/green/face/asyncdetect` with each face's liveness."""
    return await _submit(body, caller, state, format, liveness=True)


def _kind(liveness: bool) -> JobKind:
    return "liveness" if liveness else "detect"


async def _detect_now(
    body: DetectRequest, caller: Caller, state: ApiState, format: Dialect, *, liveness: bool
) -> Any:
    ref = await state.image_ref(body.url, caller, body.data_id)
    spec = JobSpec(_kind(liveness), ref, params=call_params())
    task_id, record = await state.run_sync(spec, caller)
    if record is None or record.result is None:
        timeout = state.sync_timeout(task_id)
        response = DetectResponse.from_error(
            timeout, task_id=task_id, data_id=body.data_id, url=body.url
        )
        return render(response.to_json(), format)
    return render(record.result, format)


async def _submit(
    body: AsyncDetectRequest, caller: Caller, state: ApiState, format: Dialect, *, liveness: bool
) -> Any:
    dialect = {} if format == "green" else {FORMAT_PARAM: format}
    images = body.images()
    specs = [
        JobSpec(
            _kind(liveness),
            await state.image_ref(image.url, caller, image.data_id),
            params=call_params() | dialect,
        )
        for image in images
    ]
    callback = await state.checked_callback(body.callback)
    task_ids = await state.submit_async(specs, caller, callback, body.seed)
    accepted = [
        {"code": 200, "msg": "OK", "dataId": image.data_id, "taskId": task_id, "url": image.url}
        for image, task_id in zip(images, task_ids, strict=True)
    ]
    if body.tasks is None:
        return accepted[0]
    return {"code": 200, "msg": "OK", "data": accepted}
