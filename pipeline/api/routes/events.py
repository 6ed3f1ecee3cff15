"""Bucket-upload notifications: `/events/s3`, `/events/minio`, `/events/oss`."""

from __future__ import annotations

import functools
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from pipeline.api.dependencies import Authenticated, State
from pipeline.errors import InvalidRequestError, MalformedRequestError
from pipeline.events import parse_event
from pipeline.jobs import ImageKind
from pipeline.producers.uploads import submit_uploads

router = APIRouter()


@router.post("/events/{source}", tags=["events"])
async def bucket_event(
    source: Literal["s3", "minio", "oss"],
    request: Request,
    caller: Authenticated,
    state: State,
    task: Annotated[ImageKind, Query()] = "detect",
) -> Any:
    """Bucket notifications (S3 incl. SNS envelopes, MinIO, OSS): a job per new object;
    under a library prefix of the key's account (`FACEPIPE_LIBRARY_PREFIXES`), an enrol or
    search job.

    Signed, or with `Authorization: Bearer <AppKey>:<AppSecret>` for senders that cannot
    sign. Every bucket named must be allowed for the key's account, or nothing is enqueued.
    """
    try:
        refs = parse_event(await request.body())
    except InvalidRequestError as exc:  # the request itself is malformed: nothing to store
        raise MalformedRequestError(exc.message) from exc
    for ref in refs:
        state.buckets.check(ref.uri, caller.account_id)
    # The library prefixes of the sender's own account only: another account's key
    # must not enrol into (or search) this account's groups.
    prefixes = [
        rule for rule in state.settings.library.prefixes if rule.account == caller.account_id
    ]
    # Bulk, deduplicated by idempotency key: a redelivered event adds nothing. The jobs
    # belong to the sending key (unless another producer made them first).
    submissions, sent_count = await run_in_threadpool(
        functools.partial(
            submit_uploads,
            refs,
            task,
            prefixes,
            state.store,
            state.queue,
            owner_key=caller.key_id,
            callback_key=caller.key_id,
        )
    )
    sent = [submission.task_id for submission in submissions if submission.enqueue]
    return {"code": 200, "msg": "OK", "source": source, "enqueued": sent_count, "taskIds": sent}
