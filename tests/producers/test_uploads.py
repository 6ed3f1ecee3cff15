"""Which job an uploaded object gets under `FACEPIPE_LIBRARY_PREFIXES`."""

from __future__ import annotations

import pytest

from pipeline.producers.uploads import person_of, routed
from pipeline.settings import LibraryPrefix, LibrarySettings
from pipeline.sources import ImageRef

RULES = [
    LibraryPrefix(action="enroll", prefix="s3://photos/people/", group="staff", account="acme"),
    LibraryPrefix(action="search", prefix="s3://photos/door/", group="staff", account="acme"),
]


@pytest.mark.parametrize(
    ("uri", "person"),
    [
        ("s3://photos/people/ann/1.jpg", "ann"),
        ("s3://photos/people/ann/2024/1.jpg", "ann"),
        ("s3://photos/people/cover.jpg", None),
        ("s3://photos/people/a b/1.jpg", None),
        ("s3://photos/people/" + "x" * 33 + "/1.jpg", None),
    ],
)
def test_the_first_folder_is_the_person(uri: str, person: str | None) -> None:
    assert person_of("s3://photos/people/", uri) == person


def test_uploads_are_routed_by_prefix() -> None:
    enrol, rule = routed(ImageRef("s3://photos/people/ann/1.jpg", etag="e"), "detect", RULES)
    assert rule is RULES[0]
    assert enrol is not None
    assert (enrol.kind, dict(enrol.params)) == (
        "enroll",
        {"account": "acme", "group": "staff", "person": "ann"},
    )
    search, _ = routed(ImageRef("s3://photos/door/cam1.jpg"), "detect", RULES)
    assert search is not None
    assert (search.kind, dict(search.params)) == ("search", {"account": "acme", "group": "staff"})
    assert routed(ImageRef("s3://photos/people/cover.jpg"), "detect", RULES)[0] is None
    other, rule = routed(ImageRef("s3://photos/intake/1.jpg"), "attributes", RULES)
    assert other is not None
    assert (other.kind, rule) == ("attributes", None)


def test_prefixes_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "FACEPIPE_LIBRARY_PREFIXES",
        '[{"action": "search", "prefix": "oss://cams/door/", "group": "g1", "account": "a"}]',
    )
    (rule,) = LibrarySettings().prefixes
    assert (rule.action, rule.prefix, rule.group) == ("search", "oss://cams/door/", "g1")
    monkeypatch.setenv(
        "FACEPIPE_LIBRARY_PREFIXES",
        '[{"action": "search", "prefix": "http://x/", "group": "g1", "account": "a"}]',
    )
    with pytest.raises(ValueError, match="prefix"):
        LibrarySettings()
