"""The cluster configs users copy: launcher YAMLs pass Ray's own schema check, KubeRay manifests have what
KubeRay requires and token auth on every Ray container."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

CLUSTER = Path(__file__).parents[2] / "cluster"


def _ray_schema() -> dict[str, Any]:
    """The schema ``ray up`` validates a launcher config against (``autoscaler/_private/util.validate_config``)."""
    import ray.autoscaler

    return json.loads((Path(os.path.dirname(ray.autoscaler.__file__)) / "ray-schema.json").read_text())


@pytest.mark.parametrize("name", ["aws.yaml", "gcp.yaml"])
def test_launcher_configs_pass_rays_schema_and_a_typo_would_not(name: str) -> None:
    import jsonschema

    config = yaml.safe_load((CLUSTER / name).read_text())
    schema = _ray_schema()
    jsonschema.validate(config, schema)
    typo = copy.deepcopy(config)
    typo["max_wrokers"] = typo.pop("max_workers", 2)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(typo, schema)
    assert config["head_node_type"] in config["available_node_types"]


def _cluster_spec(document: dict[str, Any]) -> dict[str, Any]:
    return document["spec"]["rayClusterSpec"] if document["kind"] == "RayJob" else document["spec"]


def _ray_containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    groups = [spec["headGroupSpec"], *spec["workerGroupSpecs"]]
    containers = [c for g in groups for c in g["template"]["spec"]["containers"]]
    sidecar = (spec.get("autoscalerOptions") or {})
    return containers + ([sidecar] if spec.get("enableInTreeAutoscaling") else [])


def _documents() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((CLUSTER / "kuberay").glob("*.yaml")):
        found += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return found


@pytest.mark.parametrize("name, document", _documents(), ids=[n for n, _ in _documents()])
def test_kuberay_manifests_have_the_required_fields_and_token_auth_everywhere(name: str, document: Any) -> None:
    assert document["apiVersion"] == "ray.io/v1" and document["kind"] in ("RayCluster", "RayJob")
    if document["kind"] == "RayJob":
        assert document["spec"]["entrypoint"].strip()
    spec = _cluster_spec(document)
    assert "rayStartParams" in spec["headGroupSpec"]
    for group in spec["workerGroupSpecs"]:
        assert group["groupName"] and "rayStartParams" in group
        assert group.get("minReplicas", 0) <= group.get("replicas", 0) <= group.get("maxReplicas", 1 << 30)
    containers = _ray_containers(spec)
    assert len(containers) >= 2
    for container in containers:
        env = {e["name"]: e for e in container.get("env", [])}
        assert env.get("RAY_AUTH_MODE", {}).get("value") == "token", (name, container.get("name"))
        secret = env.get("RAY_AUTH_TOKEN", {}).get("valueFrom", {}).get("secretKeyRef", {})
        assert secret.get("name") and secret.get("key"), (name, container.get("name"))
