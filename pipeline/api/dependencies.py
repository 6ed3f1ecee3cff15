"""What routes declare they need: the shared state, the authenticated caller, the dialect."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from pipeline.api.gate import caller_of
from pipeline.api.state import ApiState
from pipeline.dialects import Dialect
from pipeline.keys import Caller


def state_of(request: Request) -> ApiState:
    state: ApiState = request.app.state.api
    return state


def authenticated(request: Request) -> Caller:
    """The request's key, found by `RequestGate` before the body was parsed."""
    return caller_of(request.scope)


State = Annotated[ApiState, Depends(state_of)]
Authenticated = Annotated[Caller, Depends(authenticated)]
Format = Annotated[Dialect, Query()]
