"""The compose file and Kubernetes manifests, checked without docker: they parse, every
command they run is a real `facepipe` command line, and every FACEPIPE_ variable they set
is a real setting (pydantic-settings would silently ignore a misspelt one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.settings import Settings

DEPLOY = Path(__file__).parents[1] / "deploy"


def manifests() -> list[dict[str, Any]]:
    documents = []
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        documents += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return documents


def setting_names(model: type[BaseSettings] = Settings) -> set[str]:
    prefix = str(model.model_config.get("env_prefix", "")).upper()
    names = set()
    for name, field in model.model_fields.items():
        names.add(prefix + name.upper())
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseSettings):
            names |= setting_names(field.annotation)
    return names


def containers() -> list[dict[str, Any]]:
    found = []
    for doc in manifests():
        if doc["kind"] == "Deployment":
            found += doc["spec"]["template"]["spec"]["containers"]
    return found


def compose_commands() -> list[list[str]]:
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    # Only our image's services; redis, postgres and minio run their own commands.
    return [s["command"] for s in services.values() if "command" in s and "build" in s]


@pytest.mark.parametrize(
    "args",
    [c["args"] for c in containers()] + compose_commands(),
    ids=lambda args: " ".join(args[:2]),
)
def test_every_command_line_is_accepted(args: list[str]) -> None:
    # --help after the real arguments: options are parsed (unknown ones fail), nothing runs.
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, result.output


def test_the_api_is_deployed_with_probes_and_a_service() -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in manifests()}
    api = docs[("Deployment", "facepipe-api")]["spec"]["template"]["spec"]["containers"][0]
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert docs[("Service", "facepipe-api")]["spec"]["selector"] == {"app": "facepipe-api"}
    scheduler = docs[("Deployment", "facepipe-scheduler")]
    assert scheduler["spec"]["replicas"] == 1
    assert "--beat" in scheduler["spec"]["template"]["spec"]["containers"][0]["args"]


def test_every_facepipe_variable_is_a_real_setting() -> None:
    known = setting_names()
    for doc in manifests():
        if doc["kind"] in ("ConfigMap", "Secret"):
            values = doc.get("data") or doc.get("stringData") or {}
            for name in values:
                if name.startswith("FACEPIPE_"):
                    assert name in known, name
    assert "FACEPIPE_API_MASTER_KEY" in known


def test_redis_never_evicts_queue_data() -> None:
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    compose = services["redis"]["command"]
    [statefulset] = [d for d in manifests() if d["kind"] == "StatefulSet"]
    k8s = statefulset["spec"]["template"]["spec"]["containers"][0]["args"]
    for args in (compose, k8s):
        assert "--maxmemory" in args
        assert args[args.index("--maxmemory-policy") + 1] == "noeviction"
