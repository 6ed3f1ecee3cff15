"""Every refusal in the documented error shape: `code`, `error`, `msg` and a `requestId`,
with `Code`, `Message` and `RequestId` for the Alibaba Cloud SDKs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.errors import FacepipeError, MalformedRequestError, ThrottledError


def error_response(error: FacepipeError) -> JSONResponse:
    """`error` in the documented error shape, with its HTTP status."""
    headers = {}
    if isinstance(error, ThrottledError):
        headers["Retry-After"] = str(error.retry_after)
    body = error.refusal(uuid.uuid4().hex)
    return JSONResponse(body, status_code=error.http_status, headers=headers)


def validation_summary(errors: Sequence[Any]) -> str:
    """The first few problems pydantic found, one line: `where: what; ...`."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in errors[:5]
    )
    return problems or "malformed request"


def install_error_handlers(api: FastAPI) -> None:
    """Answer the framework's own refusals in the documented shape too."""

    @api.exception_handler(FacepipeError)
    async def facepipe_error(_: Request, exc: FacepipeError) -> JSONResponse:
        return error_response(exc)

    @api.exception_handler(RequestValidationError)
    async def invalid_body(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(MalformedRequestError(validation_summary(exc.errors())))

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # The framework's own refusals (an unparseable body, an unknown route, a wrong
        # method), in the documented shape instead of {"detail": ...}.
        if exc.status_code == 400:
            return error_response(MalformedRequestError("the body is not valid UTF-8 JSON"))
        request_id = uuid.uuid4().hex
        message = str(exc.detail)
        body = {"code": exc.status_code, "error": "HttpError", "msg": message}
        sdk = {"Code": "HttpError", "Message": message, "RequestId": request_id}
        return JSONResponse(
            {**body, "requestId": request_id, **sdk},
            status_code=exc.status_code,
            headers=exc.headers,
        )
