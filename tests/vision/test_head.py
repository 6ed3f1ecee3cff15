"""Hat and hairstyle from the face-parsing network, on labelled photos, and the shipped reports.

The `sunglasses/` faces also trained the two models, so those asserts are in-sample floors
that catch a broken network export or feature change; the cross-validated figures are in the
shipped reports (`python -m calibrate.head` recomputes them). The `faces/` labels
were never trained on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from calibrate.fixtures import largest_face, load
from calibrate.head import labelled_sunglasses
from pipeline.analysis import detect
from pipeline.dialects import render
from pipeline.errors import MissingModelError
from pipeline.imaging import DecodedImage, RGBImage
from pipeline.settings import EngineSettings, Settings
from pipeline.vision.engine import FaceEngine
from pipeline.vision.head import (
    HAIRSTYLE_MODEL,
    HAT_MODEL,
    classify_hairstyle,
    classify_hat,
)
from pipeline.vision.linear import load_model
from pipeline.vision.parsing import HAIR, HeadParsing, parse_head

HEAD = EngineSettings(head_attributes=True)


def analysed(pixels: RGBImage, settings: EngineSettings = HEAD) -> Any:
    faces = FaceEngine(settings).analyse(DecodedImage(pixels=pixels, format="JPEG"))
    assert faces, "no face found"
    return faces[0]


def test_fraction_counts_a_box_in_eye_distances_and_clips_it_to_the_crop() -> None:
    labels = np.zeros((100, 100), dtype=np.uint8)
    labels[:47, :] = HAIR  # everything above the eye line (row 47) is hair
    parsing = HeadParsing(labels=labels, eye_distance=20.0)
    assert parsing.fraction(HAIR, -1.0, 0.0, -1.0, 1.0) == 1.0  # rows 27-47
    assert parsing.fraction(HAIR, -0.5, 0.5, -1.0, 1.0) == pytest.approx(0.5)  # rows 37-57
    assert parsing.fraction(HAIR, -9.0, -1.0, -9.0, 9.0) == 1.0  # clipped to rows 0-27
    assert parsing.fraction(HAIR, 3.0, 9.0, -1.0, 1.0) == 0.0  # rows 100-100: empty box


@pytest.mark.fixtures
def test_parsing_finds_hair_above_and_skin_on_the_forehead(obama: RGBImage) -> None:
    found = largest_face(obama, EngineSettings())
    assert found is not None
    obama_landmarks = found[1]
    features = parse_head(obama, obama_landmarks).features()
    assert features["hair_crown"] > 0.3
    assert features["skin_forehead"] > 0.8
    assert features["hat_crown"] < 0.02
    assert features["hair_below_jaw"] < 0.05
    mirrored = np.ascontiguousarray(obama[:, ::-1])
    flipped_landmarks = obama_landmarks.copy()
    flipped_landmarks[:, 0] = obama.shape[1] - 1 - flipped_landmarks[:, 0]
    # Mirroring swaps the eyes' order; the crop must stay upright, so relabel them.
    flipped_landmarks[36:48] = np.concatenate([flipped_landmarks[42:48], flipped_landmarks[36:42]])
    again = parse_head(mirrored, flipped_landmarks).features()
    for name in ("hair_crown", "skin_forehead", "skin_crown"):
        assert again[name] == pytest.approx(features[name], abs=0.1), name


@pytest.mark.fixtures
def test_labelled_heads_in_faces(faces_dir: Path, face_labels: dict[str, Any]) -> None:
    right, total = {"hat": 0, "hairstyle": 0}, {"hat": 0, "hairstyle": 0}
    for name, label in face_labels.items():
        wanted = {a: label.get("attributes", {}).get(a) for a in total}
        if not any(wanted.values()):
            continue
        face = analysed(load(faces_dir / name))
        for attribute, value in wanted.items():
            if value is not None:
                total[attribute] += 1
                right[attribute] += getattr(face, attribute).value == value
    assert total == {"hat": 7, "hairstyle": 6}
    assert right["hat"] == 7
    assert right["hairstyle"] >= 5


@pytest.mark.fixtures
def test_labelled_sunglasses_heads() -> None:
    # Every other labelled head keeps this under 20 s; the reports cover them all.
    rows = labelled_sunglasses(EngineSettings(), every=2)
    hats = [(classify_hat(f).value, labels["hat"]) for f, labels in rows if labels["hat"]]
    styles = [
        (classify_hairstyle(f).value, labels["hairstyle"])
        for f, labels in rows
        if labels["hairstyle"] in {"Short", "Long"}
    ]
    assert len(hats) >= 58  # 61 of the labelled heads, every other one
    assert len(styles) >= 45  # measured 48
    assert np.mean([said == label for said, label in hats]) >= 0.9
    assert np.mean([said == "Wear" for said, label in hats if label == "Wear"]) >= 0.5
    assert np.mean([said == "Wear" for said, label in hats if label == "None"]) <= 0.04  # 2 of 53
    assert np.mean([said == label for said, label in styles]) >= 0.92


def test_cross_validated_figures_of_the_shipped_models() -> None:
    for filename, floor in ((HAT_MODEL, 0.9), (HAIRSTYLE_MODEL, 0.93)):
        report = load_model(filename).report
        assert report["cv_accuracy"] >= floor, filename
        assert report["cv_accuracy"] > report["accuracy_of_the_commonest_answer"], filename
        for row in report["cv_reliability"]:
            if row["answers"] >= 40:
                assert abs(row["accuracy"] - row["mean_rate"]) < 0.06, (filename, row)


@pytest.mark.fixtures
def test_the_hairstyle_model_reads_hair_not_gender() -> None:
    check = load_model(HAIRSTYLE_MODEL).report["gender_check"]
    assert load_model(HAIRSTYLE_MODEL).report["cv_accuracy"] > check["accuracy_of_gender_alone"]
    for faces in ("short_haired_women_called_short", "long_haired_men_called_long"):
        right, total = map(int, check[faces].split("/"))
        assert total >= 2, faces
        assert right >= total - 1, faces


@pytest.mark.fixtures
def test_engine_fills_hat_and_hairstyle_only_when_asked(obama: RGBImage) -> None:
    plain = analysed(obama, EngineSettings())
    assert plain.hat is None
    assert plain.hairstyle is None
    head = analysed(obama)
    assert head.hat.value == "None"
    assert 0.5 < head.hat.rate <= 1.0
    assert head.hairstyle.value == "Short"
    assert 0.5 < head.hairstyle.rate <= 1.0


@pytest.mark.fixtures
def test_dialects_carry_the_hat(faces_dir: Path) -> None:
    image = (faces_dir / "obama.jpg").read_bytes()
    green = detect(image, settings=Settings(engine=HEAD)).model_dump(by_alias=True)
    face = green["faces"][0]
    assert face["hat"]["value"] == "None"
    assert face["hairstyle"]["value"] == "Short"
    assert face["bang"]["value"] == "None"
    figure = render(green, "imm")["Figures"][0]
    assert figure["Hat"] == "none"
    assert isinstance(figure["HatConfidence"], float)


def test_a_missing_parsing_model_says_how_to_get_it(tmp_path: Path) -> None:
    pixels = np.zeros((200, 200, 3), dtype=np.uint8)
    landmarks = np.zeros((68, 2))
    landmarks[36:42] = (80, 100)
    landmarks[42:48] = (120, 100)
    with pytest.raises(MissingModelError, match="make setup"):
        parse_head(pixels, landmarks, tmp_path / "absent.onnx")
    # Workers load the parser before their first job, and see the same error there.
    absent = EngineSettings(head_attributes=True, parsing_model=tmp_path / "absent.onnx")
    with pytest.raises(MissingModelError, match="make setup"):
        FaceEngine(absent).warm_up()
    FaceEngine(EngineSettings(parsing_model=tmp_path / "absent.onnx")).warm_up()  # not asked
