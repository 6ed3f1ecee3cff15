"""CompareFaces: `/green/face/compare` (sync, Cloudauth or ctyun shape), `/asynccompare`, and
Cloudauth's own RPC form, `POST /?Action=CompareFaces` with form fields, as its SDK sends it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError

from pipeline.api.dependencies import Authenticated, State
from pipeline.api.errors import validation_summary
from pipeline.api.requests import CLOUDAUTH_FIELDS, CompareRequest
from pipeline.api.state import ApiState
from pipeline.contract import CompareResponse
from pipeline.errors import MalformedRequestError, UnknownActionError, ctyun_code
from pipeline.keys import Caller
from pipeline.signatures.acs import FORM, form_pairs

router = APIRouter()
CLOUDAUTH_VERSION = "2019-03-07"


@router.post("/green/face/compare", tags=["compare"])
async def compare(body: CompareRequest, caller: Authenticated, state: State) -> Any:
    """CompareFaces (or ctyun compare): similarity 0-100 and thresholds by FAR, sync."""
    result = await _compare_now(body, caller, state)
    return _ctyun_compare(result) if body.ctyun else result


@router.post("/", tags=["compare"])
async def cloudauth_rpc(
    request: Request,
    caller: Authenticated,
    state: State,
    action: Annotated[str, Query(alias="Action")],
    version: Annotated[str, Query(alias="Version")] = CLOUDAUTH_VERSION,
) -> Any:
    """Cloudauth's RPC API: `Action=CompareFaces` (version 2019-03-07), its fields
    (`SourceImageType`, `SourceImageValue`, `TargetImageType`, `TargetImageValue`) in the
    query or the form body. Answers in the CompareFaces shape, as `/green/face/compare`."""
    if action != "CompareFaces" or version != CLOUDAUTH_VERSION:
        raise UnknownActionError(
            f"action {action!r} of version {version!r}: facepipe answers CompareFaces of "
            f"{CLOUDAUTH_VERSION}"
        )
    fields = dict(request.query_params)
    if request.headers.get("content-type", "").startswith(FORM):
        form = (await request.body()).decode(errors="replace")
        fields.update(form_pairs(form))
    try:
        body = CompareRequest.model_validate(
            {name: fields[name] for name in CLOUDAUTH_FIELDS if name in fields}
        )
    except ValidationError as exc:
        raise MalformedRequestError(validation_summary(exc.errors())) from None
    return await _compare_now(body, caller, state)


async def _compare_now(body: CompareRequest, caller: Caller, state: ApiState) -> dict[str, Any]:
    task_id, record = await state.run_sync(await state.compare_spec(body, caller), caller)
    if record is None:
        timeout = state.sync_timeout(task_id)
        return CompareResponse.from_error(timeout, request_id=task_id).to_json()
    return record.result or {}


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
