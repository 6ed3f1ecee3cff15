"""The face library: `/green/sface/*` persons, faces and groups, as the documented API has them.

Every call sees only the caller's account (`pipeline.library.store`). Answers are the
documented envelope, `{"code": 200, "msg": "OK", "requestId", "data": {"code": 200, ...}}`;
a missing person is `code` 404 and a limit `code` 467, inside HTTP 200 as the SDKs expect.
Adding faces runs an `enroll` job per URL on the workers (fetch, detect, gate, describe) and
waits for them, like `/green/face/detect`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from pipeline.api.dependencies import Authenticated, State
from pipeline.api.requests import (
    AddFacesRequest,
    AddPersonRequest,
    DeleteFacesRequest,
    FacesRequest,
    GroupPersonsRequest,
    PersonGroupsRequest,
    PersonRef,
    UpdatePersonRequest,
)
from pipeline.api.state import call_params, echoed
from pipeline.errors import LibraryLimitError
from pipeline.jobs import JobSpec
from pipeline.library.jobs import ACCOUNT, PERSON, failure

router = APIRouter(tags=["face library"])
T = TypeVar("T")


def envelope(data: dict[str, Any]) -> dict[str, Any]:
    """The documented answer around `data`, which repeats the code."""
    return {"code": 200, "msg": "OK", "requestId": uuid.uuid4().hex, "data": {"code": 200, **data}}


async def _run(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await run_in_threadpool(call, *args, **kwargs)


@router.post("/green/sface/person/add")
async def add_person(body: AddPersonRequest, caller: Authenticated, state: State) -> Any:
    """A new person in `groupIds` (groups are created as needed, up to 100 per account)."""
    await _run(
        state.library.add_person,
        caller.account_id,
        body.person_id,
        body.group_ids,
        name=body.name,
        note=body.note,
    )
    return envelope({"personId": body.person_id, "groupIds": sorted(set(body.group_ids))})


@router.post("/green/sface/person/update")
async def update_person(body: UpdatePersonRequest, caller: Authenticated, state: State) -> Any:
    """Change a person's `name` and `note` (those given)."""
    await _run(
        state.library.update_person,
        caller.account_id,
        body.person_id,
        name=body.name,
        note=body.note,
    )
    return envelope({"personId": body.person_id})


@router.post("/green/sface/person")
async def get_person(body: PersonRef, caller: Authenticated, state: State) -> Any:
    """A person with its groups and face ids."""
    person = await _run(state.library.person, caller.account_id, body.person_id)
    return envelope(
        {
            "personId": person.person_id,
            "name": person.name,
            "note": person.note,
            "groupIds": person.group_ids,
            "faceIds": person.face_ids,
        }
    )


@router.post("/green/sface/person/delete")
async def delete_person(body: PersonRef, caller: Authenticated, state: State) -> Any:
    """Delete a person with its faces and their descriptors; `deleteCount` faces."""
    deleted = await _run(state.library.delete_person, caller.account_id, body.person_id)
    return envelope({"personId": body.person_id, "deleteCount": deleted})


@router.post("/green/sface/person/groups/add")
async def add_groups(body: PersonGroupsRequest, caller: Authenticated, state: State) -> Any:
    """Put a person in more groups (created as needed)."""
    await _run(state.library.add_to_groups, caller.account_id, body.person_id, body.group_ids)
    return envelope({"personId": body.person_id, "groupIds": sorted(set(body.group_ids))})


@router.post("/green/sface/person/groups/delete")
async def delete_groups(body: PersonGroupsRequest, caller: Authenticated, state: State) -> Any:
    """Take a person out of groups; its faces stay."""
    await _run(state.library.remove_from_groups, caller.account_id, body.person_id, body.group_ids)
    return envelope({"personId": body.person_id, "groupIds": sorted(set(body.group_ids))})


@router.post("/green/sface/groups")
async def groups(caller: Authenticated, state: State) -> Any:
    """The account's group ids."""
    return envelope({"groupIds": await _run(state.library.groups, caller.account_id)})


@router.post("/green/sface/group/persons")
async def group_persons(body: GroupPersonsRequest, caller: Authenticated, state: State) -> Any:
    """One page of a group's person ids, sorted."""
    person_ids, total = await _run(
        state.library.group_persons,
        caller.account_id,
        body.group_id,
        page=body.current_page,
        page_size=body.page_size,
    )
    return envelope(
        {
            "personIds": person_ids,
            "currentPage": body.current_page,
            "pageSize": body.page_size,
            "totalCount": total,
        }
    )


@router.post("/green/sface/face/add")
async def add_faces(body: AddFacesRequest, caller: Authenticated, state: State) -> Any:
    """Enrol the largest face of each URL; a face the quality gate refuses is not stored
    (`success: false` with code 471 and the gate's reasons)."""
    person = await _run(state.library.person, caller.account_id, body.person_id)
    room = state.settings.library.max_faces_per_person - len(person.face_ids)
    if len(body.urls) > room:
        raise LibraryLimitError(
            f"person {body.person_id!r} has {len(person.face_ids)} faces; "
            f"{len(body.urls)} more would pass the limit of "
            f"{state.settings.library.max_faces_per_person}"
        )
    params = {ACCOUNT: caller.account_id, PERSON: body.person_id}
    specs = [
        JobSpec("enroll", await state.image_ref(url, caller), params=call_params() | params)
        for url in body.urls
    ]
    items = []
    for url, spec, (task_id, record) in zip(
        body.urls, specs, await state.run_sync_all(specs, caller), strict=True
    ):
        if record is None or record.result is None:
            result = failure(task_id, "enroll", spec.source, params, state.sync_timeout(task_id))
        else:
            result = record.result
        items.append(
            {
                "faceId": result.get("faceId"),
                "success": bool(result.get("success")),
                "url": echoed(url),
                "code": result["code"],
                "msg": result["msg"],
            }
        )
    return envelope(
        {"personId": body.person_id, "groupIds": person.group_ids, "faceImageItems": items}
    )


@router.post("/green/sface/faces")
async def get_faces(body: FacesRequest, caller: Authenticated, state: State) -> Any:
    """The person's faces (all, or those of `faceIds`) with their source URLs."""
    wanted = None if body.face_ids is None else [str(face) for face in body.face_ids]
    faces = await _run(state.library.faces, caller.account_id, body.person_id, wanted)
    items = [
        {"faceId": int(face.face_id), "success": True, "url": face.source_uri} for face in faces
    ]
    return envelope({"personId": body.person_id, "faceImageItems": items})


@router.post("/green/sface/face/delete")
async def delete_faces(body: DeleteFacesRequest, caller: Authenticated, state: State) -> Any:
    """Delete faces of a person, descriptors included; the ids deleted."""
    deleted = await _run(
        state.library.delete_faces,
        caller.account_id,
        body.person_id,
        [str(face) for face in body.face_ids],
    )
    return envelope({"personId": body.person_id, "faceIds": deleted, "deleteCount": len(deleted)})
