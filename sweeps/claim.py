"""A new sweep claims its results folder: refused early if it holds results, replaced late if asked.

Old results are deleted only once Ray and the data are known good, just before the new sweep
writes, so an ``--overwrite`` whose data fails to load keeps them.
"""

from __future__ import annotations

import sys
from typing import Any

from sweeps.errors import SpecError
from sweeps.results import constants as c
from sweeps.results.run_facts import iso, write_run_facts
from sweeps.results.storage import Folder
from sweeps.spec.model import Spec
from sweeps.trial.baselines import baselines
from sweeps.trial.data import Splits, fingerprint


def claim_folder(folder: Folder, overwrite: bool) -> bool:
    """True if old results are to be replaced; they are deleted later, once Ray and the data are up."""
    if not [name for name in folder.names() if name != c.LOCK_FILE]:
        return False
    if not overwrite:
        raise SpecError(f"{folder.uri} already holds results; resume it with `sweeps resume {folder.uri}`, "
                        "choose another --results folder or name, or pass --overwrite to replace it")
    return True


def start_folder(spec: Spec, folder: Folder, replace: bool, ray_facts: dict[str, Any], data: Splits,
                 started: float) -> None:
    """The data's warnings shown, old results deleted if ``replace``, then ``spec.yaml`` and ``run.json`` written."""
    for line in data.audit.warnings:
        print(line, file=sys.stderr)
    if replace:
        folder.remove_except(c.LOCK_FILE)
    folder.make()
    folder.write_text(c.SPEC_FILE, spec.to_yaml())
    write_run_facts(folder, spec, {"started": iso(started), "finished": None, "nodes": ray_facts["nodes"],
                                   "data": fingerprint(data), c.RUN_BASELINES: baselines(data, spec.loss)})
