"""Each private Ray attribute the runner relies on, checked so that a Ray upgrade that drops it fails here, loudly.

- ``tuner._local_tuner._run_config.callbacks`` (``tuner.rebind_callbacks``, used by resume);
- ``ray.train._internal.session.get_session().synchronous_result_reporting`` (``trainable.stream_reports``):
  ``tests/sweeps_tests/test_stream_reports.py`` asserts that a real fifo trial streams, so it fails there.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
import typing
from typing import Any

from ray import tune

from sweeps.tuner import rebind_callbacks


class _Marker(tune.Callback):
    def __init__(self, name: str) -> None:
        self.name = name


def _trainable(config: dict[str, Any]) -> None:
    tune.report({"x": 1})


def test_a_tuners_callbacks_can_be_replaced_where_the_runner_looks_for_them() -> None:
    old, kept = _Marker("old"), tune.Callback()
    tuner = tune.Tuner(_trainable, run_config=tune.RunConfig(callbacks=[old, kept]))
    fresh = _Marker("fresh")
    rebind_callbacks(tuner, [fresh])
    callbacks = tuner._local_tuner._run_config.callbacks
    assert fresh in callbacks and kept in callbacks and old not in callbacks


def test_the_train_session_module_still_has_the_function_stream_reports_imports() -> None:
    from ray.train._internal import session

    assert not inspect.signature(session.get_session).parameters
    assert typing.get_type_hints(session.get_session)["return"] == typing.Optional[session._TrainSession]
    assert "synchronous_result_reporting" in inspect.signature(session._TrainSession.__init__).parameters
    uses = {type(node.ctx) for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(session._TrainSession))))
            if isinstance(node, ast.Attribute) and node.attr == "synchronous_result_reporting"}
    assert uses == {ast.Store, ast.Load}, "the session no longer sets and reads synchronous_result_reporting"
