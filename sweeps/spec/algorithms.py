"""The values of ``search.algorithm`` and what each needs: plain tables the spec checks and the search uses.

Part of the spec (the first stage), so checking a spec imports nothing from ``search``.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sweeps.spec.model import Spec

ALGORITHMS = ("grid", "random", "tpe", "bohb")
"""Values of ``search.algorithm``."""
SEARCHERS = ("tpe", "bohb")
"""Algorithms that are a Ray Tune searcher (the rest expand the param_space themselves)."""
REQUIREMENTS = {"tpe": ("optuna",), "bohb": ("hpbandster", "ConfigSpace")}
"""Optional packages each searcher needs: the ``search`` extra (tpe) and the ``bohb`` extra."""
EXTRAS = {"tpe": "search", "bohb": "bohb"}
"""The extra that installs each searcher's packages (bohb's own: hpbandster's netifaces compiles from source)."""
SCHEDULERS_WITH = {"tpe": ("fifo", "asha", "hyperband"), "bohb": ("hyperband",)}
"""Schedulers each searcher combines with; ``bohb``'s hyperband is Ray Tune's ``HyperBandForBOHB``."""


def install_line(algorithm: str) -> str:
    """How to install what ``algorithm`` needs."""
    return f"pip install 'keras-sweeps[{EXTRAS.get(algorithm, 'search')}]'"


def uses_searcher(spec: Spec) -> bool:
    """Whether a Ray Tune searcher draws the spec's trials (``tpe``, ``bohb``)."""
    return spec.search.get("algorithm") in SEARCHERS


def missing_packages(algorithm: str) -> list[str]:
    """The packages ``algorithm`` needs that this Python cannot import."""
    return [name for name in REQUIREMENTS.get(algorithm, ()) if importlib.util.find_spec(name) is None]
