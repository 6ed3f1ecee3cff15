"""The `facepipe` console script, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support import example_photos, facepipe_in

# The console script installed beside this interpreter (the project's venv).
FACEPIPE = Path(sys.executable).with_name("facepipe")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FACEPIPE), *args], check=False, capture_output=True, text=True, timeout=120
    )


def test_detect_sample_prints_one_json_object_per_input(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"<html>not an image</html>")
    result = run("detect", "--sample", str(broken), str(tmp_path / "missing.png"), "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["code"] for line in lines] == [415, 404, 200]
    assert lines[0]["error"] == "UnsupportedImageFormat"
    assert lines[1]["error"] == "ImageNotFound"
    assert len(lines[2]["faces"]) == 1


def test_detect_summary_lists_only_the_computed_attributes() -> None:
    environment = {**os.environ, "FACEPIPE_ENGINE_ATTRIBUTES": "false"}
    gate_only = subprocess.run(
        [str(FACEPIPE), "detect", "--sample"],
        check=False, capture_output=True, text=True, timeout=120, env=environment,
    )  # fmt: skip
    assert gate_only.returncode == 0, gate_only.stderr
    assert "glasses=None" in gate_only.stdout
    assert "gender=" not in gate_only.stdout
    assert "age=" not in gate_only.stdout


def test_detect_accepts_base64_uri() -> None:
    import base64  # noqa: PLC0415
    import io  # noqa: PLC0415

    from PIL import Image  # noqa: PLC0415

    from pipeline.cli.analyse import sample_image  # noqa: PLC0415

    # Small enough for one command-line argument (the full PNG is not).
    buffer = io.BytesIO()
    Image.open(sample_image()).convert("RGB").save(buffer, "JPEG", quality=90)
    payload = base64.b64encode(buffer.getvalue()).decode()
    result = run("detect", f"base64://{payload}", "--json")
    assert json.loads(result.stdout)["faces"]


def test_usage_errors_exit_non_zero() -> None:
    assert run("detect").returncode != 0
    assert run("compare", "only-one").returncode != 0


def test_compare_reports_no_face_as_an_error_object(tmp_path: Path) -> None:
    from PIL import Image  # noqa: PLC0415
    from skimage import data  # noqa: PLC0415

    Image.fromarray(data.coffee()).save(tmp_path / "coffee.png")
    result = run("compare", "--json", str(tmp_path / "coffee.png"), str(tmp_path / "coffee.png"))
    assert result.returncode == 0
    body = json.loads(result.stdout)
    assert body["Success"] is False
    assert body["Code"] == "470"


def test_python_m_pipeline_cli_is_the_facepipe_command() -> None:
    module = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--help"],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert module.returncode == 0, module.stderr
    assert module.stdout == run("--help").stdout
    assert "Usage: facepipe" in module.stdout


def test_commands_without_the_queue_do_not_import_celery() -> None:
    probe = "import sys, pipeline.cli; print('celery' in sys.modules)"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=60
    )
    assert loaded.stdout.strip() == "False"


def test_typer_refuses_an_unknown_task() -> None:
    result = run("backfill", "/nonexistent", "--task", "teleport")
    assert result.returncode == 2
    assert "teleport" in result.stderr


def test_run_with_the_liveness_task_judges_every_face(tmp_path: Path) -> None:
    """The whole embedded pipeline (a private Redis, a Celery worker, the SQLite store) with
    `--task liveness`: every face of the results carries its verdict."""
    example_photos(tmp_path)
    done = facepipe_in(tmp_path, "run", "photos", "--task", "liveness", "-w", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    results = [json.loads(line) for line in (tmp_path / "facepipe-results.jsonl").open()]
    faces = [face for result in results for face in result["result"]["faces"]]
    assert len(results) == 2
    assert faces
    assert {face["liveness"]["value"] for face in faces} == {"Live"}
