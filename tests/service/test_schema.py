"""The OpenAPI schema: committed and current, and no generated request makes a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from pipeline.api.server import api_app, schema_settings
from pipeline.signatures.facepipe import signed_headers
from tests.service.conftest import Service, running_service

SCHEMA_FILE = Path(__file__).parents[2] / "pipeline" / "api" / "openapi.json"
schema = schemathesis.openapi.from_dict(json.loads(SCHEMA_FILE.read_text()))


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """Generated requests need one store only: SQLite (tests/service/test_api.py runs both)."""
    yield from running_service(tmp_path_factory, "sqlite")


def test_the_committed_schema_is_current() -> None:
    current = api_app(schema_settings()).openapi()
    assert json.loads(json.dumps(current)) == json.loads(SCHEMA_FILE.read_text()), (
        "run `make openapi` and commit pipeline/api/openapi.json"
    )


def _local_only(value: Any) -> Any:
    """Generated URLs are pointed at a refused private address: nothing leaves this machine."""
    if isinstance(value, str) and "://" in value:
        return "http://10.255.255.1/generated"
    if isinstance(value, dict):
        return {key: _local_only(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_local_only(item) for item in value]
    return value


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_500(case: schemathesis.Case, service: Service) -> None:
    query = urlencode(case.query or {}, doseq=True)
    path = case.formatted_path + (f"?{query}" if query else "")
    try:
        content = json.dumps(_local_only(case.body)).encode()
    except TypeError:  # no body for this operation
        content = b""
    headers = signed_headers(service.key.key_id, service.key.secret, case.method, path, content)
    response = service.request(
        case.method,
        path,
        raw=content,
        headers=headers,
    )
    assert response.status_code < 500, (path, content[:300], response.text)
