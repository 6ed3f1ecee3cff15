"""A stored job as the report shows it: its outcome, and its faces on the thumbnail."""

from __future__ import annotations

from typing import Any

from pipeline.report.thumbnails import Thumbnail
from pipeline.store import JobRecord

# The attributes shown for a face, in this order, when the engine computed them.
ATTRIBUTES = ("glasses", "respirator", "hat", "mustache", "bang", "hairstyle", "gender")


def report_item(record: JobRecord, thumbnail: Thumbnail | None) -> dict[str, Any]:
    """The JSON the page renders for one job (every string is shown as text, never markup)."""
    result = record.result or {}
    scale = thumbnail.scale if thumbnail else 0.0
    return {
        "taskId": record.task_id,
        "source": record.spec.source.uri,
        "dataId": record.spec.source.data_id,
        "status": record.status,
        "code": record.error_code,
        "error": record.error_name,
        "message": record.error_msg,
        "thumb": thumbnail.data_uri if thumbnail else None,
        "width": thumbnail.width if thumbnail else 0,
        "height": thumbnail.height if thumbnail else 0,
        "faces": [_face(face, scale) for face in result.get("faces") or []],
    }


def _face(face: dict[str, Any], scale: float) -> dict[str, Any]:
    location = face.get("location") or {}
    box = [round(float(location.get(side, 0)) * scale, 1) for side in ("x", "y", "w", "h")]
    attributes = {
        name: f"{face[name]['value']} ({face[name]['rate']:.2f})"
        for name in ATTRIBUTES
        if isinstance(face.get(name), dict)
    }
    if isinstance(face.get("age"), dict):
        attributes["age"] = str(face["age"].get("value"))
    return {
        "box": box,
        "qualified": bool(face.get("qualified")),
        "reasons": list(face.get("reasons") or []),
        "quality": face.get("quality") or {},
        "attributes": attributes,
    }
