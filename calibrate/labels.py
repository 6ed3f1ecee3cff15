"""The labels we added by eye to the fixtures, where the fixtures carry none.

The data is in `labels/*.json`, one file per fixture folder; each file's `about` says how its
labels were read (numbered contact sheets of the faces). A name in no list of an attribute is
the attribute's default where the file says so, and otherwise not called (`None` here).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Final

LABELS = Path(__file__).with_name("labels")


@cache
def _load(folder: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((LABELS / f"{folder}.json").read_text())
    return data


def _set(folder: str, attribute: str, value: str) -> frozenset[str]:
    return frozenset(_load(folder)[attribute].get(value, ()))


def _by_person(folder: str) -> dict[str, str]:
    genders: dict[str, list[str]] = _load(folder)["gender"]
    return {person: gender for gender, people in genders.items() for person in people}


# `identities/`: the gender of each person (folder); `faces/`: of each public figure.
IDENTITY_GENDER: Final = _by_person("identities")
FACES_GENDER: Final[dict[str, str]] = _load("faces")["gender"]


def _genki_labelled(attribute: str) -> list[str]:
    first, last = _load("genki4k")["range"]
    unsure = _set("genki4k", attribute, "unsure")
    names = (f"file{number:04d}.jpg" for number in range(first, last + 1))
    return [name for name in names if name not in unsure]


def genki_glasses() -> dict[str, str]:
    """None, Wear or Sunglass for each reviewed GENKI-4K file, the unsure ones left out."""
    wear, sunglass = _set("genki4k", "glasses", "Wear"), _set("genki4k", "glasses", "Sunglass")
    return {
        name: "Wear" if name in wear else "Sunglass" if name in sunglass else "None"
        for name in _genki_labelled("glasses")
    }


def genki_mustache() -> dict[str, str]:
    """Has or None (mustache or beard) for each reviewed GENKI-4K file."""
    has = _set("genki4k", "mustache", "Has")
    return {name: "Has" if name in has else "None" for name in _genki_labelled("mustache")}


def _not_a_face(name: str) -> bool:
    return name in _set("sunglasses", "face", "not_a_face")


def _face_only(name: str) -> bool:
    """Whether only the `face` label was read on this photo's largest face."""
    return name in frozenset(_load("sunglasses")["face_only"])


def sunglasses_face_label(name: str) -> str | None:
    """`Sunglass`, `clear`, or None (not a face, or lenses we could not tell) for the largest
    face of a `sunglasses/` photo."""
    if name in _set("sunglasses", "face", "clear"):
        return "clear"
    if _not_a_face(name) or name in _set("sunglasses", "face", "unsure"):
        return None
    return "Sunglass"


def sunglasses_head_labels(name: str) -> tuple[str | None, str | None]:
    """(hat, hairstyle) of the largest face of a `sunglasses/` photo; None where not called."""
    if _face_only(name):
        return None, None
    hat = None
    if not _not_a_face(name) and name not in _set("sunglasses", "hat", "unsure"):
        hat = "Wear" if name in _set("sunglasses", "hat", "Wear") else "None"
    styles: dict[str, list[str]] = _load("sunglasses")["hairstyle"]
    return hat, next((style for style, names in styles.items() if name in names), None)


def sunglasses_mustache(name: str) -> str | None:
    """Has or None (mustache or beard) on the same faces; None where not called."""
    if _not_a_face(name) or _face_only(name) or name in _set("sunglasses", "mustache", "unsure"):
        return None
    return "Has" if name in _set("sunglasses", "mustache", "Has") else "None"


def sunglasses_bang(name: str) -> str | None:
    """Has or None (a fringe) on the same faces; faces with any headwear are not called."""
    hat, _ = sunglasses_head_labels(name)
    if hat != "None" or name in _set("sunglasses", "bang", "unsure"):
        return None
    return "Has" if name in _set("sunglasses", "bang", "Has") else "None"


def identity_bang(path: str) -> str | None:
    """Has or None for an `identities/` photo ("person/file.jpg"); None where not called."""
    if path in _set("identities", "bang", "Has"):
        return "Has"
    return "None" if path in _set("identities", "bang", "None") else None
