"""Keras and TensorFlow imported in a trial process without the optional extras they probe for.

When scikit-learn, matplotlib, SciPy, pandas or pyarrow are installed, importing Keras
imports them too (for its scikit-learn wrappers, plotting helpers and DataFrame inputs),
none of which a trial uses, yet they are a large share of a fresh worker's ``import keras``.
Keras and TensorFlow import each of them inside ``try/except ImportError``, so hiding the
ones not loaded yet, only while Keras imports, leaves Keras whole and the extras importable
afterwards.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from typing import Any

OPTIONAL_EXTRAS = ("sklearn", "matplotlib", "scipy", "pandas", "pyarrow")


class _HideModules(importlib.abc.MetaPathFinder):
    """A finder that reports the named top-level packages (and their submodules) as absent."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = frozenset(names)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"{fullname} is hidden while Keras imports", name=fullname)
        return None


def import_keras() -> Any:
    """``import keras`` (and TensorFlow) without pulling in extras that are not loaded already."""
    if "keras" in sys.modules:
        return sys.modules["keras"]
    finder = _HideModules([name for name in OPTIONAL_EXTRAS if name not in sys.modules])
    sys.meta_path.insert(0, finder)
    try:
        import keras
        import tensorflow  # noqa: F401
    finally:
        sys.meta_path.remove(finder)
    return keras
