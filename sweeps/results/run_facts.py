"""``run.json``: what a run was (spec, versions, nodes, data, baselines) and how it ended.

Written when a new sweep claims its folder and updated when it finishes; ``status`` and
``resume`` read it back, with the spec as run (``spec.yaml``).
"""

from __future__ import annotations

import dataclasses
import json
import platform
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import yaml

from sweeps.results import constants as c
from sweeps.results.storage import Folder
from sweeps.spec.model import Spec, load_spec


def read_run_facts(folder: Folder) -> dict[str, Any]:
    """``run.json`` as a dict; empty when the run has not written it yet."""
    return json.loads(folder.read_text(c.RUN_FILE) or "{}")


def write_run_facts(folder: Folder, spec: Spec, updates: Mapping[str, Any]) -> None:
    """Update ``run.json`` with ``updates``; a new one starts from the spec's own facts."""
    stored = folder.read_text(c.RUN_FILE)
    facts = json.loads(stored) if stored else _initial_facts(spec)
    facts.update(updates)
    folder.write_text(c.RUN_FILE, json.dumps(facts, indent=2, default=str))


def stored_spec(folder: Folder) -> Spec:
    """The spec as run, with the folder its user modules (``model.build``, ``data.load``) were found in."""
    spec = load_spec(yaml.safe_load(folder.read_text(c.SPEC_FILE) or "{}"))
    return dataclasses.replace(spec, base=read_run_facts(folder).get("spec_folder"))


def iso(seconds: float) -> str:
    """A wall-clock time as run.json stores it (UTC, to the second)."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat(timespec="seconds")


def _initial_facts(spec: Spec) -> dict[str, Any]:
    from sweeps.search.space import count_trials

    return {"name": spec.name, "metric": spec.metric, "mode": spec.mode, "axes": spec.axes,
            "scheduler": spec.search["scheduler"], "num_samples": spec.search["num_samples"],
            "dataset": spec.data["dataset"], "trials_total": count_trials(spec), "versions": _versions(),
            "spec_folder": spec.base}


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": platform.python_version(), "platform": platform.platform()}
    for dist, key in (("ray", "ray"), ("tensorflow", "tensorflow"), ("tensorflow-cpu", "tensorflow"),
                      ("keras", "keras"), ("keras-sweeps", "sweeps")):
        try:
            out.setdefault(key, metadata.version(dist))
        except metadata.PackageNotFoundError:
            continue
    return out
