"""`facepipe listen sqs://...`: turn bucket-upload notifications from an SQS queue into jobs.

A message is deleted only after its jobs are stored and enqueued, so a crash re-reads it;
duplicate notifications of one upload collapse onto one job by idempotency key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3

from pipeline.errors import InvalidRequestError
from pipeline.events import parse_event
from pipeline.jobs import JobKind
from pipeline.producers.queue import JobQueue
from pipeline.producers.uploads import submit_uploads
from pipeline.settings import LibraryPrefix, SourceSettings
from pipeline.store import ResultStore

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

logger = logging.getLogger(__name__)


@dataclass
class ListenReport:
    messages: int = 0
    enqueued: int = 0
    ignored: int = 0


def sqs_client(settings: SourceSettings, endpoint_url: str | None = None) -> SQSClient:
    client: SQSClient = boto3.session.Session().client(
        "sqs", endpoint_url=endpoint_url, region_name=settings.s3_region
    )
    return client


def queue_url(uri: str, client: SQSClient) -> str:
    """`sqs://<name>` is looked up; `sqs://https://...` and a plain queue URL are used as is."""
    if uri.startswith(("http://", "https://")):
        return uri
    if not uri.startswith("sqs://"):
        raise InvalidRequestError(f"expected sqs://<queue name or URL>, got {uri!r}")
    rest = uri.removeprefix("sqs://")
    if rest.startswith(("http://", "https://")):
        return rest
    return client.get_queue_url(QueueName=rest)["QueueUrl"]


def listen(
    url: str,
    client: SQSClient,
    store: ResultStore,
    queue: JobQueue,
    *,
    kind: JobKind = "detect",
    prefixes: list[LibraryPrefix] | None = None,
    keep_going: Callable[[], bool] = lambda: True,
    wait_seconds: int = 10,
) -> ListenReport:
    """Consume notifications until `keep_going()` is false. Objects under one of
    `prefixes` are enrolled or searched as it says (`pipeline.producers.uploads`)."""
    report = ListenReport()
    while keep_going():
        response = client.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        )
        for message in response.get("Messages", []):
            report.messages += 1
            try:
                refs = parse_event(message["Body"])
            except InvalidRequestError as exc:
                # Not ours to retry: a malformed message would come back forever.
                logger.warning("dropping an unreadable notification: %s", exc)
                refs = []
                report.ignored += 1
            if refs:
                report.enqueued += submit_uploads(refs, kind, prefixes or [], store, queue)[1]
            client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return report
