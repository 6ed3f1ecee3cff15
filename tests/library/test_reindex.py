"""`facepipe reindex`: faces enrolled under one descriptor are re-embedded with another, over
SQLite, PostgreSQL and PostgreSQL + pgvector, from real photos (scikit-image's astronaut).
Search never compares descriptors of different names, before, during or after."""

from __future__ import annotations

import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import skimage.data
from PIL import Image

from pipeline.errors import NoFaceError, SourceNotFoundError
from pipeline.library import jobs as library_jobs
from pipeline.library.backends import open_index
from pipeline.library.reindex import Reindexed, reindex
from pipeline.library.store import Library
from pipeline.settings import Descriptor, EngineSettings, Settings, SourceSettings
from pipeline.sources import ImageRef
from pipeline.store import ResultStore
from tests.backends import LIBRARY_DATABASES, library_database
from tests.support import FACEPIPE, example_photos, facepipe_in, user_environment, wait_until

GROUP = "staff"


@pytest.fixture(scope="module", params=LIBRARY_DATABASES)
def store_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with library_database(request.param, tmp_path_factory.mktemp("reindex")) as url:
        yield url


def settings_for(store_url: str, descriptor: Descriptor) -> Settings:
    return Settings(store_url=store_url, engine=EngineSettings(descriptor=descriptor))


def library_for(settings: Settings) -> Library:
    store = ResultStore.open(settings.store_url)
    return Library(store.engine, settings.library, open_index(store.engine, settings.library))


def enroll(settings: Settings, account: str, person: str, photo: Path) -> str:
    library = library_for(settings)
    library.ensure_person(account, person, [GROUP])
    ref = ImageRef(str(photo), etag=uuid.uuid4().hex)
    params = {library_jobs.ACCOUNT: account, library_jobs.PERSON: person}
    result, _, _ = library_jobs.enroll(
        "test", ref, params, photo.read_bytes(), library=library, settings=settings
    )
    return str(result["faceId"])


def matched_persons(settings: Settings, account: str, photo: Path) -> set[str]:
    params = {library_jobs.ACCOUNT: account, library_jobs.GROUP: GROUP}
    result, _, _ = library_jobs.search(
        "test",
        ImageRef(str(photo)),
        params,
        photo.read_bytes(),
        library=library_for(settings),
        settings=settings,
    )
    (face,) = result["results"][0]["sfaceData"]
    return {person["id"] for person in face["faces"]}


def test_reindexed_faces_are_searched_with_the_new_descriptor_only(
    store_url: str, tmp_path: Path
) -> None:
    photos = example_photos(tmp_path)
    account = f"acct-{uuid.uuid4().hex[:8]}"
    dlib, sface = settings_for(store_url, "dlib"), settings_for(store_url, "sface")
    face_ids = {
        enroll(dlib, account, "eileen", photos / "people/eileen/1.jpg"),
        enroll(dlib, account, "eileen", photos / "people/eileen/2.jpg"),
    }
    probe = photos / "photo.jpg"
    assert matched_persons(dlib, account, probe) == {"eileen"}
    # Under SFace the dlib-enrolled faces are not compared at all.
    assert matched_persons(sface, account, probe) == set()

    library = library_for(sface)
    summary = reindex(library, sface, account=account)
    assert (summary.reindexed, summary.failed) == (2, {})
    assert library.descriptor_counts(account) == {"sface": 2}
    assert {face.face_id for face in library.faces(account, "eileen")} == face_ids
    assert matched_persons(sface, account, probe) == {"eileen"}
    assert matched_persons(dlib, account, probe) == set()

    again = reindex(library, sface, account=account)
    assert (again.reindexed, again.failed) == (0, {})
    # And back: the command moves faces to whichever descriptor is configured.
    assert reindex(library_for(dlib), dlib, account=account).reindexed == 2
    assert matched_persons(dlib, account, probe) == {"eileen"}


def test_a_face_whose_photo_is_gone_or_changed_keeps_its_descriptor(tmp_path: Path) -> None:
    photos = example_photos(tmp_path)
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    dlib, sface = settings_for(store_url, "dlib"), settings_for(store_url, "sface")
    account = "acme"
    kept = enroll(dlib, account, "eileen", photos / "people/eileen/1.jpg")
    gone = enroll(dlib, account, "eileen", photos / "people/eileen/2.jpg")
    changed = enroll(dlib, account, "mirror", photos / "b.jpg")
    (photos / "people/eileen/2.jpg").unlink()
    # The same file now shows no face where the stored one was.
    Image.fromarray(skimage.data.coffee()).save(photos / "b.jpg", format="JPEG")
    library = library_for(sface)
    failures: dict[str, str] = {}

    def heard(done: Reindexed) -> None:
        if done.error is not None:
            failures[done.stored.face.face_id] = done.error.name

    summary = reindex(library, sface, account=account, on_face=heard)
    assert summary.reindexed == 1
    assert failures == {gone: SourceNotFoundError.name, changed: NoFaceError.name}
    assert library.descriptor_counts(account) == {"sface": 1, "dlib": 2}
    assert kept not in failures


def test_a_bucket_photo_replaced_since_enrolment_is_not_reembedded(
    tmp_path: Path, s3_endpoint: str
) -> None:
    """Another photo under the same key may show someone else at the same place: only the
    content enrolled (its ETag) is re-embedded."""
    photos = example_photos(tmp_path)
    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="people")
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    sources = SourceSettings(s3_endpoint_url=s3_endpoint)
    dlib, sface = (
        Settings(store_url=store_url, sources=sources, engine=EngineSettings(descriptor=name))
        for name in ("dlib", "sface")
    )
    library = library_for(dlib)
    library.ensure_person("acme", "eileen", [GROUP])
    face_ids = {}
    for key, photo in (("same.jpg", "photo.jpg"), ("replaced.jpg", "a.jpg")):
        s3.put_object(Bucket="people", Key=key, Body=(photos / photo).read_bytes())
        etag = s3.head_object(Bucket="people", Key=key)["ETag"].strip('"')
        ref = ImageRef(f"s3://people/{key}", etag=etag)
        params = {library_jobs.ACCOUNT: "acme", library_jobs.PERSON: "eileen"}
        data = (photos / photo).read_bytes()
        result, _, _ = library_jobs.enroll("t", ref, params, data, library=library, settings=dlib)
        face_ids[key] = str(result["faceId"])
    s3.put_object(Bucket="people", Key="replaced.jpg", Body=(photos / "b.jpg").read_bytes())
    failures: dict[str, str] = {}

    def heard(done: Reindexed) -> None:
        if done.error is not None:
            failures[done.stored.face.face_id] = done.error.message

    summary = reindex(library_for(sface), sface, account="acme", on_face=heard)
    assert summary.reindexed == 1
    assert summary.failed == {SourceNotFoundError.name: 1}
    assert "has changed" in failures[face_ids["replaced.jpg"]]


def test_a_killed_reindex_resumes_without_duplicates(tmp_path: Path) -> None:
    """The command killed mid-run (SIGKILL), then run again: every face once, under SFace,
    with the ids it had."""
    photos = example_photos(tmp_path)
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    dlib = settings_for(store_url, "dlib")
    source = Image.open(photos / "photo.jpg")
    faces = 30
    for index in range(faces):
        copy = photos / "copies" / f"{index}.jpg"
        copy.parent.mkdir(exist_ok=True)
        source.rotate(index % 7 - 3).save(copy, format="JPEG", quality=90)
        enroll(dlib, "acme", f"p{index % 3}", copy)
    library = library_for(dlib)
    before = {
        face.face_id for person in ("p0", "p1", "p2") for face in library.faces("acme", person)
    }
    assert len(before) == faces
    settings = {"FACEPIPE_STORE_URL": store_url, "FACEPIPE_ENGINE_DESCRIPTOR": "sface"}
    dry = facepipe_in(tmp_path, "reindex", "--dry-run", settings=settings)
    assert dry.stdout.strip() == (
        f"faces by descriptor: dlib {faces}; to re-embed with sface: {faces}"
    )
    command = [*FACEPIPE, "reindex", "--workers", "1"]
    first = subprocess.Popen(command, env=user_environment(settings), cwd=tmp_path)
    try:
        wait_until(
            lambda: library.descriptor_counts("acme").get("sface", 0) >= 3, 120, "3 faces moved"
        )
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(timeout=30)
    moved = library.descriptor_counts("acme").get("sface", 0)
    assert 3 <= moved < faces  # killed part-way
    second = facepipe_in(tmp_path, "reindex", "--workers", "1", settings=settings)
    assert second.returncode == 0, second.stderr
    assert f"re-embedded with sface: {faces - moved}," in second.stdout
    assert library.descriptor_counts("acme") == {"sface": faces}
    after = {
        face.face_id for person in ("p0", "p1", "p2") for face in library.faces("acme", person)
    }
    assert after == before
