"""Green face detection: `/green/face/detect` (sync) and `/green/face/asyncdetect`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pipeline.api.dependencies import Authenticated, Format, State
from pipeline.api.requests import AsyncDetectRequest, DetectRequest
from pipeline.api.state import call_params
from pipeline.contract import DetectResponse
from pipeline.dialects import FORMAT_PARAM, render
from pipeline.jobs import JobSpec

router = APIRouter()


@router.post("/green/face/detect", tags=["detect"])
async def detect(
    body: DetectRequest, caller: Authenticated, state: State, format: Format = "green"
) -> Any:
    """Detect faces and their quality within 6 s (`realtime` queue)."""
    spec = JobSpec(
        "detect", await state.image_ref(body.url, caller, body.data_id), params=call_params()
    )
    task_id, record = await state.run_sync(spec, caller)
    if record is None or record.result is None:
        timeout = state.sync_timeout(task_id)
        response = DetectResponse.from_error(
            timeout, task_id=task_id, data_id=body.data_id, url=body.url
        )
        return render(response.to_json(), format)
    return render(record.result, format)


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
    dialect = {} if format == "green" else {FORMAT_PARAM: format}
    images = body.images()
    specs = [
        JobSpec(
            "detect",
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
