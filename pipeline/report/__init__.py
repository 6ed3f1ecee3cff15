"""`facepipe report`: one self-contained HTML page of stored results, with the faces drawn.

    thumbnails.py  the source image, upright and small, as a data URI
    items.py       a stored job as the page shows it (boxes scaled onto its thumbnail)
    page.html      the page: summary, histograms, filters, a paged grid (no CDN, offline)

The data travels as one JSON block that the page's script renders as text, never as markup,
so names, dataIds and messages cannot inject HTML; `<`, `>` and `&` are escaped inside the
JSON as well, so no string closes the script block.
"""

from __future__ import annotations

import html
import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

from pipeline.errors import FacepipeError
from pipeline.report.items import report_item
from pipeline.report.thumbnails import make_thumbnail
from pipeline.sources import Sources
from pipeline.store import JobRecord

# Histogram bins of the gate's measures: blur on its 0-20 scale, the angles in degrees.
HISTOGRAMS = {
    "blur": list(range(0, 21, 2)),
    "pitch": list(range(-90, 91, 15)),
    "yaw": list(range(-90, 91, 15)),
    "roll": list(range(-90, 91, 15)),
}


@dataclass(frozen=True)
class ReportStats:
    """What a report holds, and where its time went (`bench.report` compares them)."""

    images: int
    faces: int
    query_seconds: float
    thumbnail_seconds: float
    total_seconds: float


def write_report(
    records: Iterable[JobRecord], sources: Sources, output: Path, *, title: str
) -> ReportStats:
    """Render `records` (fetched from their sources for thumbnails) into `output`."""
    started = time.perf_counter()
    query_seconds = thumbnail_seconds = 0.0
    items = []
    iterator = iter(records)
    while True:
        fetch_started = time.perf_counter()
        record = next(iterator, None)
        query_seconds += time.perf_counter() - fetch_started
        if record is None:
            break
        thumb_started = time.perf_counter()
        try:
            thumbnail = make_thumbnail(sources.fetch(record.spec.source))
        except FacepipeError:
            thumbnail = None  # gone, refused, or not an image: the card says why, if it can
        thumbnail_seconds += time.perf_counter() - thumb_started
        items.append(report_item(record, thumbnail))
    data = {"title": title, "summary": _summary(items), "items": items}
    template = Template(resources.files(__package__).joinpath("page.html").read_text())
    output.write_text(
        template.substitute(title=html.escape(title), data=_script_safe(data)), encoding="utf-8"
    )
    return ReportStats(
        images=len(items),
        faces=sum(len(item["faces"]) for item in items),
        query_seconds=query_seconds,
        thumbnail_seconds=thumbnail_seconds,
        total_seconds=time.perf_counter() - started,
    )


def _summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    faces = [face for item in items for face in item["faces"]]
    statuses = Counter(item["status"] for item in items)
    failures = Counter(f"{item['code']} {item['error']}" for item in items if item["code"])
    counts = [
        ("images", len(items)),
        *sorted(statuses.items()),
        ("faces", len(faces)),
        ("qualified faces", sum(face["qualified"] for face in faces)),
    ]
    return {
        "counts": counts,
        "failures": sorted(failures.items()),
        "histograms": {
            name: _histogram([face["quality"].get(name) for face in faces], edges)
            for name, edges in HISTOGRAMS.items()
        },
    }


def _histogram(values: list[Any], edges: list[int]) -> dict[str, list[int]]:
    counts = [0] * (len(edges) - 1)
    for value in values:
        if isinstance(value, int | float):
            # Values past either end count in the outermost bins.
            index = sum(1 for edge in edges[1:-1] if value >= edge)
            counts[index] += 1
    return {"edges": edges, "counts": counts}


def _script_safe(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


__all__ = ["ReportStats", "write_report"]
