"""Bucket prefixes tied to the face library: uploads under one are enrolled, under another
searched (`FACEPIPE_LIBRARY_PREFIXES`, used by `facepipe listen`, `/events/*` and
`facepipe enroll`).

Under an enrol prefix, the first folder is the person id: `s3://photos/people/ann/1.jpg`
enrolls a face of person `ann` in the prefix's group, creating the person if needed.
"""

from __future__ import annotations

import re

from pipeline.jobs import JobKind, JobSpec
from pipeline.library.jobs import ACCOUNT, GROUP, PERSON
from pipeline.producers.queue import JobQueue, submit_and_enqueue
from pipeline.settings import LIBRARY_ID, LibraryPrefix
from pipeline.sources import ImageRef
from pipeline.store import ResultStore, Submission

PERSON_ID = re.compile(LIBRARY_ID)


def spec_for(rule: LibraryPrefix, ref: ImageRef) -> JobSpec | None:
    """The library job for an object under the rule's prefix; None when it names no person."""
    params = {ACCOUNT: rule.account, GROUP: rule.group}
    if rule.action == "search":
        return JobSpec("search", ref, params=params)
    person = person_of(rule.prefix, ref.uri)
    if person is None:
        return None
    return JobSpec("enroll", ref, params=params | {PERSON: person})


def person_of(prefix: str, uri: str) -> str | None:
    """The first folder under `prefix` in `uri`, if it is a valid person id."""
    rest = uri.removeprefix(prefix).lstrip("/")
    folder, slash, _ = rest.partition("/")
    return folder if slash and PERSON_ID.fullmatch(folder) else None


def routed(
    ref: ImageRef, kind: JobKind, prefixes: list[LibraryPrefix]
) -> tuple[JobSpec | None, LibraryPrefix | None]:
    """The job an uploaded object gets: its prefix rule's (the first that matches), else
    `kind`'s. None as the spec: the object is under a rule but is not a job (no person)."""
    for rule in prefixes:
        if ref.uri.startswith(rule.prefix):
            return spec_for(rule, ref), rule
    return JobSpec(kind, ref), None


def submit_uploads(
    refs: list[ImageRef],
    kind: JobKind,
    prefixes: list[LibraryPrefix],
    store: ResultStore,
    queue: JobQueue,
    *,
    owner_key: str | None = None,
    callback_key: str | None = None,
) -> tuple[list[Submission], int]:
    """Store and send the jobs of uploaded objects (`routed`), on the bulk queue; a search
    prefix's results also go to its callback. Returns the submissions and messages sent."""
    by_rule: dict[LibraryPrefix | None, list[JobSpec]] = {}
    for ref in refs:
        spec, rule = routed(ref, kind, prefixes)
        if spec is not None:
            by_rule.setdefault(rule, []).append(spec)
    submissions: list[Submission] = []
    sent = 0
    for rule, specs in by_rule.items():
        callback = rule.callback if rule is not None and rule.action == "search" else None
        done, count = submit_and_enqueue(
            specs,
            store,
            queue,
            "bulk",
            callback_url=callback,
            callback_seed=rule.seed if callback and rule else None,
            callback_key=callback_key if callback else None,
            owner_key=owner_key,
        )
        submissions += done
        sent += count
    return submissions, sent
