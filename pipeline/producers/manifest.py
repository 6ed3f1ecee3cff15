"""Compare jobs in bulk from a manifest of (source, target) pairs.

CSV: `source,target[,dataId]` with an optional header row; JSONL: one
`{"source": ..., "target": ..., "dataId": ...}` per line. Sources are any fetchable URI.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from pipeline.errors import InvalidRequestError
from pipeline.jobs import JobSpec
from pipeline.producers.queue import JobQueue, submit_and_enqueue
from pipeline.sources import ImageRef
from pipeline.store import ResultStore

BATCH = 500


def read_pairs(path: Path) -> Iterator[JobSpec]:
    with path.open(newline="", encoding="utf-8") as handle:
        if path.suffix in (".jsonl", ".ndjson"):
            rows: Iterator[list[str]] = (
                _json_row(line, number) for number, line in enumerate(handle, 1) if line.strip()
            )
        else:
            rows = (row for row in csv.reader(handle) if row)
        for number, row in enumerate(rows, 1):
            if number == 1 and [cell.strip().lower() for cell in row[:2]] == ["source", "target"]:
                continue
            if len(row) < 2:
                raise InvalidRequestError(f"{path}:{number}: need source and target")
            data_id = row[2] if len(row) > 2 and row[2] else None
            yield JobSpec(
                "compare", ImageRef(row[0].strip(), data_id=data_id), ImageRef(row[1].strip())
            )


def _json_row(line: str, number: int) -> list[str]:
    try:
        item = json.loads(line)
        return [item["source"], item["target"], item.get("dataId") or ""]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise InvalidRequestError(f"line {number}: expected source and target") from exc


def enqueue_pairs(path: Path, store: ResultStore, queue: JobQueue) -> tuple[int, int]:
    """Store and enqueue every pair; returns (pairs, enqueued). Finished pairs are skipped."""
    pairs = enqueued = 0
    specs = read_pairs(path)
    while batch := list(islice(specs, BATCH)):
        _, sent = submit_and_enqueue(batch, store, queue, "bulk")
        pairs += len(batch)
        enqueued += sent
    return pairs, enqueued
