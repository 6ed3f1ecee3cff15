"""The labels we added to the fixtures (calibrate/labels/*.json): every name is a real file,
and no file has two values of one attribute."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pytest

from calibrate.fixtures import image_files
from calibrate.labels import LABELS

pytestmark = pytest.mark.fixtures
# Keys that describe a file rather than list names per value.
NOT_VALUES = {"about", "range", "gender"}


def photos(folder: Path) -> set[str]:
    names = {p.name for p in image_files(folder)}
    return names | {f"{p.parent.name}/{p.name}" for p in folder.glob("*/*")}


@pytest.mark.parametrize("labels", sorted(LABELS.glob("*.json")), ids=lambda p: p.stem)
def test_labels_name_real_photos_once_per_attribute(labels: Path, fixtures: Path) -> None:
    data = json.loads(labels.read_text())
    existing = photos(fixtures / labels.stem)
    attributes = {
        key: value
        for key, value in data.items()
        if key not in NOT_VALUES and isinstance(value, dict)
    }
    for key, names in data.items():
        if key not in NOT_VALUES and isinstance(names, list):  # a list of photos (`face_only`)
            assert set(names) <= existing, (key, set(names) - existing)
    assert attributes or "gender" in data
    for attribute, by_value in attributes.items():
        for value, names in by_value.items():
            assert set(names) <= existing, (attribute, value, set(names) - existing)
            assert len(set(names)) == len(names), (attribute, value)
        for (a, first), (b, second) in combinations(by_value.items(), 2):
            assert not set(first) & set(second), (attribute, a, b)


def test_every_labelled_person_is_a_folder(fixtures: Path) -> None:
    data = json.loads((LABELS / "identities.json").read_text())
    people = [person for group in data["gender"].values() for person in group]
    assert sorted(people) == sorted(p.name for p in (fixtures / "identities").iterdir())
