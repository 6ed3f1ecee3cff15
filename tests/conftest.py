"""Shared fixtures: the labelled photos of ../shared/fixtures, and real services.

A test that reads the labelled photos is marked `fixtures` or asks for the `fixtures`
fixture: without the photos it is skipped (with one reason), except in CI, where it fails.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from pipeline.imaging import RGBImage, decode
from tests.backends import AWS_TEST_ENV, postgres_database, redis_broker
from tests.support import free_port, require_fixtures


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before the test's fixtures start services it would not use.
    if item.get_closest_marker("fixtures") is not None:
        require_fixtures()


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return require_fixtures()


@pytest.fixture(scope="session")
def faces_dir(fixtures: Path) -> Path:
    return fixtures / "faces"


@pytest.fixture(scope="session")
def face_labels(faces_dir: Path) -> dict[str, Any]:
    labels: dict[str, Any] = json.loads((faces_dir / "labels.json").read_text())["images"]
    return labels


@pytest.fixture(scope="session")
def obama(faces_dir: Path) -> RGBImage:
    return decode((faces_dir / "obama.jpg").read_bytes()).pixels


# -- real services (see tests/backends.py) ---------------------------------------------


@pytest.fixture(scope="session")
def broker_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_broker(tmp_path_factory.mktemp("broker")) as url:
        yield url


@pytest.fixture(scope="session")
def aws_env() -> Iterator[dict[str, str]]:
    saved = {key: os.environ.get(key) for key in AWS_TEST_ENV}
    os.environ.update(AWS_TEST_ENV)
    yield AWS_TEST_ENV
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="session")
def s3_endpoint(aws_env: dict[str, str]) -> Iterator[str]:
    """moto's S3 + SQS server on a loopback port: a real HTTP S3 endpoint."""
    from moto.server import ThreadedMotoServer  # noqa: PLC0415 - only these tests need moto

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'results.db'}"
    url: str = request.getfixturevalue("postgres_url")
    # One database per session; a clean schema per test.
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    return url
