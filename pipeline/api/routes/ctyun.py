"""ctyun's own routes: face anti-spoofing, `POST /v1/aiop/api/{service}/face-fas-action/
person/detectFasFromBase64` with `{imageContent}` (plain base64, 2 MB at most).

Answers in ctyun's shape, failures included: `{code:"0", message:"success", result:{face_num,
face_list:[{face_location, FaceAntiSpoofing, ...}]}}`, or `{code, message:"error", details}`
with ctyun's codes (4101 no or empty imageContent, 4102 not JSON, 4103 over 2 MB, 4104 not a
decodable image, 4105 no face, 5000 anything else). The service code in the path is ctyun's
subscription id; facepipe accepts any. Signed with ctyun's scheme (docs/api.md).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError

from pipeline.api.dependencies import Authenticated, State
from pipeline.api.requests import FasRequest
from pipeline.api.state import call_params, check_inline_size
from pipeline.contract import DetectResponse
from pipeline.dialects import ctyun_error, to_ctyun
from pipeline.errors import (
    CtyunImageTooLargeError,
    FacepipeError,
    InvalidRequestError,
    MalformedRequestError,
)
from pipeline.jobs import JobSpec
from pipeline.sources.local import BASE64_PREFIX

router = APIRouter()
FAS_PATH = "/v1/aiop/api/{service}/face-fas-action/person/detectFasFromBase64"
# The route reads its body itself (its refusals are ctyun's); the schema still documents it.
_FAS_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": FasRequest.model_json_schema(by_alias=True)}},
    }
}


@router.post(FAS_PATH, tags=["liveness"], openapi_extra=_FAS_BODY)
async def detect_fas(service: str, request: Request, caller: Authenticated, state: State) -> Any:
    """Whether each face is a live person (活体人脸), a photo of one (非活体人脸) or too
    unclear to judge, in ctyun's shape; sync, within 6 s."""
    try:
        content = json.loads(await request.body())
    except ValueError:
        return ctyun_error(MalformedRequestError.name, "the body is not JSON")
    try:
        body = FasRequest.model_validate(content)
    except ValidationError:
        return ctyun_error(InvalidRequestError.name, "imageContent (base64 image) is missing")
    image = BASE64_PREFIX + body.image_content
    try:
        check_inline_size(image, state.settings.api.max_ctyun_image_bytes, CtyunImageTooLargeError)
        spec = JobSpec("liveness", await state.image_ref(image, caller), params=call_params())
    except FacepipeError as error:
        return ctyun_error(error.name, error.message)
    task_id, record = await state.run_sync(spec, caller)
    if record is None or record.result is None:
        timeout = state.sync_timeout(task_id)
        return to_ctyun(DetectResponse.from_error(timeout, task_id=task_id).to_json())
    return to_ctyun(record.result)
