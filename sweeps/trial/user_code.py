"""A user's builder or loader, named ``"package.module:function"`` in a spec.

The module is looked for in the spec file's folder first, then on ``sys.path``
(``PYTHONPATH``). A module found in the spec's folder is not installed on the Ray nodes,
so it travels to them in the job's runtime env (``py_modules``): :func:`shipped_paths`.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from sweeps.errors import SpecError
from sweeps.spec.rules import split_reference


def import_callable(field: str, reference: str, folder: str | Path | None = None,
                    parameters: int = 1) -> Callable[..., Any]:
    """Import the function ``reference`` names; ``folder`` (the spec's) is searched first.

    Raises :class:`SpecError` naming ``field`` when the module does not import, the name is
    missing, or the function cannot be called with ``parameters`` positional arguments.
    """
    module_name, name = split_reference(field, reference)
    with _on_path(folder):
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            where = f" (looked in {folder} and PYTHONPATH)" if folder else ""
            raise SpecError(f"{field}: module {module_name!r} could not be imported{where}: "
                            f"{type(exc).__name__}: {exc}") from None
    function = getattr(module, name, None)
    if function is None or not callable(function):
        raise SpecError(f"{field}: module {module_name!r} has no function {name!r}")
    check_signature(field, function, parameters)
    return function


def check_signature(field: str, function: Callable[..., Any], parameters: int) -> None:
    """One clear line when ``function`` cannot take ``parameters`` positional arguments."""
    try:
        inspect.signature(function).bind(*range(parameters))
    except TypeError:
        raise SpecError(f"{field}: {getattr(function, '__name__', function)}{inspect.signature(function)} must "
                        f"take {parameters} positional argument{'s' if parameters != 1 else ''}") from None
    except ValueError:
        pass


def shipped_paths(references: Iterable[str | None], folder: str | Path | None) -> list[str]:
    """Local paths Ray must ship to every node: the top-level package or ``.py`` file of each
    module that lives in the spec's folder (modules installed elsewhere are the cluster's business)."""
    if folder is None:
        return []
    base = Path(folder)
    paths: list[str] = []
    for reference in references:
        if not isinstance(reference, str) or ":" not in reference:
            continue
        top = reference.split(":")[0].split(".")[0]
        for candidate in (base / top, base / f"{top}.py"):
            if candidate.exists() and str(candidate.resolve()) not in paths:
                paths.append(str(candidate.resolve()))
                break
    return paths


class _on_path:
    """``folder`` first on ``sys.path`` while importing, as ``python spec_folder/x.py`` would see it."""

    def __init__(self, folder: str | Path | None) -> None:
        self.folder = str(Path(folder).resolve()) if folder else None

    def __enter__(self) -> None:
        if self.folder and self.folder not in sys.path:
            sys.path.insert(0, self.folder)
            self.added = True
        else:
            self.added = False

    def __exit__(self, *exc: object) -> None:
        if self.added and self.folder in sys.path:
            sys.path.remove(self.folder)
