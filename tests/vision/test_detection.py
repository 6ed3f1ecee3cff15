from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from calibrate.fixtures import image_files, load
from pipeline.imaging import decode
from pipeline.settings import EngineSettings
from pipeline.vision.detection import detect_faces
from pipeline.vision.landmarks import find_shape, shape_to_array

pytestmark = pytest.mark.fixtures


def test_every_labelled_face_is_found(faces_dir: Path, face_labels: dict[str, Any]) -> None:
    missed = {}
    for name, label in face_labels.items():
        found = detect_faces(decode((faces_dir / name).read_bytes()).pixels, EngineSettings())
        if len(found) < label["faces"]:
            missed[name] = (len(found), label["faces"])
    assert missed == {}


def test_boxes_are_in_original_pixels_at_any_resolution(faces_dir: Path) -> None:
    # One photo at 427x240 and 1920x1080 (x4.5): the boxes must scale with the image.
    small = detect_faces(
        decode((faces_dir / "obama_240p.jpg").read_bytes()).pixels, EngineSettings()
    )
    large = detect_faces(
        decode((faces_dir / "obama_1080p.jpg").read_bytes()).pixels, EngineSettings()
    )
    scale = 1080 / 240
    (a,), (b,) = small, large
    for small_value, large_value in ((a.x, b.x), (a.y, b.y), (a.w, b.w), (a.h, b.h)):
        assert small_value * scale == pytest.approx(large_value, rel=0.15, abs=12)


def test_faces_cut_by_the_edge_stay_inside_the_image(faces_dir: Path) -> None:
    for name in ("obama_partial_face.jpg", "obama_partial_face2.jpg"):
        image = decode((faces_dir / name).read_bytes())
        (face,) = detect_faces(image.pixels, EngineSettings())
        assert face.x >= 0
        assert face.y >= 0
        assert face.x + face.w <= image.width
        assert face.y + face.h <= image.height


def test_rgba_png_gives_the_same_face_as_its_jpeg(faces_dir: Path) -> None:
    (rgba,) = detect_faces(
        decode((faces_dir / "obama_rgba.png").read_bytes()).pixels, EngineSettings()
    )
    (jpeg,) = detect_faces(decode((faces_dir / "obama2.jpg").read_bytes()).pixels, EngineSettings())
    assert (rgba.x, rgba.y, rgba.w) == pytest.approx((jpeg.x, jpeg.y, jpeg.w), abs=6)


def test_small_faces_are_found_by_the_second_pass(faces_dir: Path) -> None:
    import cv2  # noqa: PLC0415

    pixels = decode((faces_dir / "obama.jpg").read_bytes()).pixels
    tiny = cv2.resize(pixels, None, fx=0.2, fy=0.2, interpolation=cv2.INTER_AREA)  # face ~54 px
    settings = EngineSettings()
    assert len(detect_faces(tiny, settings)) == 1


def test_largest_face_comes_first(faces_dir: Path) -> None:
    faces = detect_faces(
        decode((faces_dir / "two_people.jpg").read_bytes()).pixels, EngineSettings()
    )
    assert len(faces) == 2
    assert faces[0].area >= faces[1].area


HOG = EngineSettings(detector="hog")


def test_the_cnn_finds_the_tight_crops_hog_misses(fixtures: Path) -> None:
    crops = sorted((fixtures / "identities").glob("*/*"))[::10]  # 46 tight crops, unpadded
    hits = [bool(detect_faces(decode(p.read_bytes()).pixels, EngineSettings())) for p in crops]
    hog = [bool(detect_faces(decode(p.read_bytes()).pixels, HOG)) for p in crops]
    # bench.detection: 100% of the first 400 for YuNet, 50% for HOG.
    assert sum(hits) == len(hits)
    assert sum(hog) < 0.7 * len(hits)


def test_hog_stays_an_option_that_finds_the_labelled_faces(
    faces_dir: Path, face_labels: dict[str, Any]
) -> None:
    for name, label in face_labels.items():
        found = detect_faces(decode((faces_dir / name).read_bytes()).pixels, HOG)
        assert len(found) >= label["faces"], name
        assert found[0].points is None


def test_at_most_two_boxes_on_220_face_free_images() -> None:
    from bench.detection import face_free_images  # noqa: PLC0415

    images = face_free_images()
    boxes = sum(len(detect_faces(pixels, EngineSettings())) for pixels in images)
    assert len(images) == 220
    assert boxes <= 2  # bench.detection measures 1 (0.45 per 100 images)


def test_faces_that_fill_the_frame_are_found_by_the_padded_pass(fixtures: Path) -> None:
    # Masked tight crops as they are: the first pass misses many, the padded one finds them.
    crops = image_files(fixtures / "masks" / "with_mask")[::3]
    found = [detect_faces(load(p), EngineSettings()) for p in crops]
    inside = [
        faces[0].x >= 0 and faces[0].y >= 0 and faces[0].w > 0.4 * load(p).shape[1]
        for p, faces in zip(crops, found, strict=True)
        if faces
    ]
    assert sum(map(bool, found)) / len(crops) >= 0.9  # measured 0.92 on all 300
    assert all(inside)


def test_a_48_px_face_in_a_4000_px_photo_is_found(fixtures: Path) -> None:
    from bench.detection import small_faces  # noqa: PLC0415

    genki = [load(p) for p in image_files(fixtures / "genki4k")[400:430]]
    scenes = ("alone", "beside_a_large_face")
    report = small_faces(genki, widths=(48,), samples=8, scenes=scenes, extras=False)
    assert report["faces"] == 8
    for scene in scenes:  # bench.detection, key small_faces: 0.98 of 60 in both
        assert report[scene]["48"]["found"] >= 0.75, (scene, report[scene])
        assert report[scene]["48"]["duplicate_boxes"] == 0


def test_yunet_boxes_give_the_shape_predictor_the_box_it_was_trained_on(faces_dir: Path) -> None:
    # The 68 points fitted on the box mapped from YuNet's five points land where they land
    # on HOG's own box.
    for name in ("obama.jpg", "biden.jpg", "obama_and_biden.jpg"):
        pixels = decode((faces_dir / name).read_bytes()).pixels
        hog, cnn = detect_faces(pixels, HOG)[0], detect_faces(pixels, EngineSettings())[0]
        on_hog = shape_to_array(find_shape(pixels, hog))
        on_cnn = shape_to_array(find_shape(pixels, cnn))
        error = np.linalg.norm(on_hog - on_cnn, axis=1).mean() / hog.w
        assert error < 0.03, (name, error)


def test_yunet_refuses_a_model_file_it_was_not_fitted_on(tmp_path: Path) -> None:
    from pipeline.errors import MissingModelError  # noqa: PLC0415
    from pipeline.vision import yunet  # noqa: PLC0415

    other = tmp_path / "other.onnx"
    other.write_bytes(b"not the fitted model")
    pixels = np.zeros((64, 64, 3), dtype=np.uint8)
    with pytest.raises(MissingModelError, match="sha256"):
        yunet.detect(pixels, 0.7, other)
    with pytest.raises(MissingModelError, match="cannot read"):
        yunet.detect(pixels, 0.7, tmp_path / "missing.onnx")


def test_threads_detect_as_one_thread_does(faces_dir: Path) -> None:
    # YuNet's input size is set per image, so each thread must have its own detector.
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    photos = [load(faces_dir / n) for n in ("obama.jpg", "biden.jpg", "two_people.jpg")] * 4
    alone = [[(b.x, b.y, b.w) for b in detect_faces(p, EngineSettings())] for p in photos]
    with ThreadPoolExecutor(4) as pool:
        together = list(
            pool.map(lambda p: [(b.x, b.y, b.w) for b in detect_faces(p, EngineSettings())], photos)
        )
    assert together == alone
