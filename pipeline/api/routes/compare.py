"""CompareFaces: `/green/face/compare` (sync, Cloudauth or ctyun shape) and `/asynccompare`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from pipeline.api.dependencies import Authenticated, State
from pipeline.api.requests import CompareRequest
from pipeline.contract import CompareResponse
from pipeline.errors import ctyun_code

router = APIRouter()


@router.post("/green/face/compare", tags=["compare"])
async def compare(body: CompareRequest, caller: Authenticated, state: State) -> Any:
    """CompareFaces (or ctyun compare): similarity 0-100 and thresholds by FAR, sync."""
    task_id, record = await state.run_sync(await state.compare_spec(body, caller), caller)
    if record is None:
        timeout = state.sync_timeout(task_id)
        result = CompareResponse.from_error(timeout, request_id=task_id).to_json()
    else:
        result = record.result or {}
    return _ctyun_compare(result) if body.ctyun else result


@router.post("/green/face/asynccompare", tags=["compare"])
async def asynccompare(body: CompareRequest, caller: Authenticated, state: State) -> Any:
    """Submit a compare; the result comes by callback or `/green/face/results`."""
    spec = await state.compare_spec(body, caller)
    callback = await state.checked_callback(body.callback)
    (task_id,) = await state.submit_async([spec], caller, callback, body.seed)
    return {"Code": "200", "Success": True, "RequestId": task_id, "Message": "accepted"}


def _ctyun_compare(result: dict[str, Any]) -> dict[str, Any]:
    """A CompareFaces result in ctyun's shape: code "0" and a 0..1 similarity."""
    data = result.get("Data")
    if result.get("Success") and data:
        return {"code": "0", "message": "success", "result": data["SimilarityScore"] / 100}
    code = ctyun_code(str(result.get("Error") or "InternalError"))
    return {"code": code, "message": result.get("Message", ""), "result": None}
