"""The README's command-line and Python examples, run as written, on photos made from
scikit-image's astronaut (tests/service/test_api.py runs its HTTP example)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from tests.support import example_photos, facepipe_in, readme_block


def test_the_command_line_examples_run(tmp_path: Path) -> None:
    example_photos(tmp_path)
    outputs: dict[str, str] = {}
    for line in readme_block("sh", "facepipe detect photo.jpg").splitlines():
        command = shlex.split(line.split("#", 1)[0])
        assert command[0] == "facepipe", line
        done = facepipe_in(tmp_path, *command[1:])
        assert done.returncode == 0, (line, done.stderr[-2000:])
        outputs[" ".join(command[1:])] = done.stdout
    detected = json.loads(outputs["detect photo.jpg --json"].splitlines()[0])
    assert detected["faces"][0]["qualified"] is True
    compared = json.loads(outputs["compare a.jpg b.jpg --json"])
    assert compared["Data"]["SimilarityScore"] > 90  # a mirrored photo of the same face
    assert outputs["run ./photos -w 1"].startswith("images 2")
    assert "enrolled 2" in outputs["enroll ./people --group staff"]
    # The tilted photo of the enrolled person is found in the group.
    assert "eileen" in outputs["search door.jpg --group staff"]


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    example_photos(tmp_path)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {}
    exec(readme_block("python", "from pipeline import"), namespace)
    assert namespace["result"]["faces"], namespace["result"]
