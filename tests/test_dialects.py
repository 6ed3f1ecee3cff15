"""The ctyun and IMM renderers against the documented examples (docs/contract.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipeline.analysis import detect
from pipeline.contract import DetectResponse
from pipeline.dialects import dialect_of, render, to_ctyun, to_imm
from pipeline.errors import NoFaceError, UnsupportedImageFormatError

# The keys of the documented IMM figure (seed 003's example), every one of them rendered.
IMM_FIGURE_KEYS = {
    "Beard", "MaskConfidence", "Gender", "Boundary", "BeardConfidence", "FigureId", "Mouth",
    "Emotion", "Age", "MouthConfidence", "FigureType", "GenderConfidence", "HeadPose", "Mask",
    "EmotionConfidence", "HatConfidence", "GlassesConfidence", "Sharpness", "FigureClusterId",
    "FaceQuality", "Attractive", "AgeSD", "Glasses", "FigureConfidence", "Hat",
}  # fmt: skip


@pytest.fixture(scope="module")
def two_people(faces_dir: Path) -> dict[str, Any]:
    return detect((faces_dir / "two_people.jpg").read_bytes(), task_id="t" * 32).to_json()


def test_ctyun_success_has_the_documented_fields_and_types(two_people: dict[str, Any]) -> None:
    body = to_ctyun(two_people)
    assert (body["code"], body["message"]) == ("0", "success")
    assert body["result"]["face_num"] == 2 == len(body["result"]["face_list"])
    for face, green in zip(body["result"]["face_list"], two_people["faces"], strict=True):
        assert set(face) == {"face_location", "gender", "age"}
        assert set(face["face_location"]) == {"top", "left", "width", "height"}
        assert all(isinstance(v, int) for v in face["face_location"].values())
        assert face["face_location"]["left"] == round(green["location"]["x"])
        assert face["gender"] == "Male"  # Obama and Biden
        assert isinstance(face["age"], str)
        assert 30 <= int(face["age"]) <= 85


def test_ctyun_errors_use_its_codes() -> None:
    bad = DetectResponse.from_error(
        UnsupportedImageFormatError("not an image"), task_id="x"
    ).to_json()
    assert to_ctyun(bad) == {"code": 4104, "message": "error", "details": "not an image"}
    no_face = {**bad, "code": 200, "msg": "OK", "error": None, "faces": []}
    assert to_ctyun(no_face)["code"] == 4105
    stored_no_face = DetectResponse.from_error(NoFaceError("none"), task_id="x").to_json()
    assert to_ctyun(stored_no_face)["code"] == 4105


def test_imm_figures_carry_every_documented_field(two_people: dict[str, Any]) -> None:
    body = to_imm(two_people)
    assert body["RequestId"] == "t" * 32
    assert len(body["Figures"]) == 2
    first, green = body["Figures"][0], two_people["faces"][0]
    assert set(first) == IMM_FIGURE_KEYS
    assert first["FigureType"] == "face"
    assert set(first["Boundary"]) == {"Left", "Top", "Width", "Height"}
    assert set(first["HeadPose"]) == {"Pitch", "Roll", "Yaw"}
    assert first["HeadPose"]["Yaw"] == green["quality"]["yaw"]
    assert first["Gender"] == "male"
    assert 0.5 < first["GenderConfidence"] <= 1.0
    assert isinstance(first["Age"], int)
    assert first["Glasses"] in {"none", "glasses", "sunglass"}
    assert 0.0 <= first["Sharpness"] <= 1.0
    # No model behind these: null, never invented.
    assert first["Emotion"] is None
    assert first["FaceQuality"] is None
    # Ids are stable for one stored result and distinct per face.
    assert to_imm(two_people)["Figures"][0]["FigureId"] == first["FigureId"]
    assert body["Figures"][1]["FigureId"] != first["FigureId"]


def test_imm_error_and_green_passthrough(two_people: dict[str, Any]) -> None:
    bad = DetectResponse.from_error(UnsupportedImageFormatError("nope"), task_id="x").to_json()
    assert to_imm(bad) == {"RequestId": "x", "Code": "UnsupportedImageFormat", "Message": "nope"}
    assert render(two_people, "green") is two_people


def test_dialect_of_job_params() -> None:
    assert dialect_of({}) == "green"
    assert dialect_of({"format": "imm"}) == "imm"
    assert dialect_of({"format": "xml"}) == "green"
