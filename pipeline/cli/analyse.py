"""`facepipe detect` and `facepipe compare`: one image or pair, in this process, no queue."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.analysis import compare, detect, new_task_id
from pipeline.contract import CompareResponse, DetectResponse
from pipeline.dialects import Dialect, render
from pipeline.errors import FacepipeError
from pipeline.settings import Settings
from pipeline.sources import read_image


def sample_image() -> Path:
    """A public-domain portrait shipped inside scikit-image (NASA's astronaut photo)."""
    import skimage.data  # noqa: PLC0415 - only the CLI's sample needs it

    return Path(skimage.data.__file__).parent / "astronaut.png"


def detect_command(
    images: Annotated[
        list[str] | None, typer.Argument(help="Paths, file:// or base64:// URIs.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per input line.")
    ] = False,
    sample: Annotated[
        bool, typer.Option("--sample", help="Also run on the bundled sample photo.")
    ] = False,
    dialect: Annotated[
        Dialect, typer.Option("--format", help="Output shape with --json: green, ctyun or imm.")
    ] = "green",
    liveness: Annotated[
        bool, typer.Option("--liveness", help="Also judge whether each face is a live person.")
    ] = False,
) -> None:
    """Detect faces and their quality; failures are printed as error objects, not raised."""
    references = list(images or []) + ([str(sample_image())] if sample else [])
    if not references:
        raise typer.BadParameter("give at least one image, or --sample")
    settings = Settings()
    for reference in references:
        task_id = new_task_id()
        try:
            response = detect(
                read_image(reference), task_id=task_id, settings=settings, liveness=liveness
            )
        except FacepipeError as exc:
            response = DetectResponse.from_error(exc, task_id=task_id)
        response.url = reference if not reference.startswith("base64://") else None
        green = response.to_json()
        _emit(render(green, dialect) if as_json else green, as_json, _detect_summary)


def compare_command(
    source: Annotated[str, typer.Argument(help="Path or URI of the first image.")],
    target: Annotated[str, typer.Argument(help="Path or URI of the second image.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON response.")] = False,
) -> None:
    """Compare the largest face of two images (CompareFaces shape)."""
    request_id = new_task_id()
    try:
        response = compare(
            read_image(source), read_image(target), request_id=request_id, settings=Settings()
        )
    except FacepipeError as exc:
        response = CompareResponse.from_error(exc, request_id=request_id)
    _emit(response.to_json(), as_json, _compare_summary)


def _emit(payload: dict[str, Any], as_json: bool, summary: Callable[[dict[str, Any]], str]) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False) if as_json else summary(payload))


def _detect_summary(payload: dict[str, Any]) -> str:
    if payload["code"] != 200:
        return f"{payload['url']}: error {payload['code']} {payload['error']}: {payload['msg']}"
    faces = payload["faces"]
    lines = [f"{payload['url']}: {len(faces)} face(s)"]
    for face in faces:
        box, quality = face["location"], face["quality"]
        verdict = (
            "qualified" if face["qualified"] else "not qualified: " + ", ".join(face["reasons"])
        )
        # Attributes the engine did not compute (settings turn them off) are left out.
        computed = [
            f"{name}={face[name]['value']}"
            for name in ("glasses", "gender", "age", "bang", "hat", "hairstyle", "liveness")
            if face.get(name) is not None
        ]
        lines.append(
            f"  box x={box['x']} y={box['y']} w={box['w']} h={box['h']}  blur={quality['blur']}"
            f" pitch={quality['pitch']} yaw={quality['yaw']} roll={quality['roll']}"
            f" {' '.join(computed)}  {verdict}"
        )
    return "\n".join(lines)


def _compare_summary(payload: dict[str, Any]) -> str:
    if not payload["Success"]:
        return f"error {payload['Code']} {payload['Error']}: {payload['Message']}"
    data = payload["Data"]
    return f"SimilarityScore {data['SimilarityScore']}  thresholds {data['ConfidenceThresholds']}"
