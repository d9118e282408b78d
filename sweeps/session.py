"""Connecting to Ray: a local instance started for the sweep, or an existing cluster."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from sweeps.errors import SweepError

WORKER_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
"""Quiet TensorFlow's start-up chatter in trial processes."""


@contextlib.contextmanager
def ray_session(address: str | None = None, *, num_cpus: int | None = None) -> Iterator[dict[str, Any]]:
    """Use the Ray already initialised in this process, join ``address``, or start a local Ray.

    Without an address a new local Ray always starts (``address="local"``), never one that
    ``ray start`` happened to leave running on the machine.

    Ray is shut down on exit only if this function started or joined it.
    """
    import ray

    if ray.is_initialized():
        yield _facts(ray)
        return
    kwargs: dict[str, Any] = {"runtime_env": {"env_vars": WORKER_ENV}, "logging_level": "ERROR"}
    if address:
        kwargs["address"] = address
    else:
        kwargs.update(address="local", num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
    try:
        ray.init(**kwargs)
    except (ConnectionError, TimeoutError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise SweepError(f"could not start or reach {where}: {exc}") from None
    try:
        yield _facts(ray)
    finally:
        ray.shutdown()


def _facts(ray: Any) -> dict[str, Any]:
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    return {
        "nodes": sorted(n.get("NodeManagerAddress", "?") for n in nodes),
        "cpus": ray.cluster_resources().get("CPU", 0),
        "gpus": ray.cluster_resources().get("GPU", 0),
    }
