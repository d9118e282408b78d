"""Connecting to Ray: a local instance started for the sweep, or an existing cluster."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from sweeps.errors import SpecError, SweepError

WORKER_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
"""Quiet TensorFlow's start-up chatter in trial processes."""

NO_IDLE_WORKERS = {"RAY_enable_worker_prestart": "0", "RAY_prestart_worker_first_driver": "0"}
"""Ray starts an idle worker per CPU with a local instance, but Tune gives each trial actor a
runtime env of its own, so no trial can use them: they only compete for the cores while the
sweep starts (README, Performance)."""

LOCAL_RAY_OPTIONS: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}


def start_local_ray(num_cpus: int | None = None, py_modules: list[str] | None = None) -> None:
    """Start a new local Ray without idle workers; its workers get ``WORKER_ENV`` by inheritance.

    A local Ray's raylet and workers inherit this process's environment at ``ray.init``, so
    neither needs a job-level runtime env; a user's own value of any of these variables wins.
    """
    import ray

    with _environment({**WORKER_ENV, **NO_IDLE_WORKERS}):
        ray.init(address="local", num_cpus=num_cpus, **LOCAL_RAY_OPTIONS, **_modules_env(py_modules))


@contextlib.contextmanager
def _environment(defaults: Mapping[str, str]) -> Iterator[None]:
    """Set ``defaults`` where this process has no value of its own, and restore afterwards."""
    added = [name for name in defaults if name not in os.environ]
    os.environ.update({name: defaults[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


def check_address(address: str | None) -> None:
    """Refuse Ray Client (``ray://``): under it the Tuner runs on the head, so the store would write a
    laptop's path on the head's disk and ``resume`` could not find Tune's state."""
    if address and address.startswith("ray://"):
        raise SpecError(f"--address {address}: Ray Client (ray://) is not supported; run `sweeps` on a cluster "
                        "node with --address HOST:PORT (the GCS port, e.g. 6379, or auto), or submit it as a "
                        "Ray Job (see cluster/README.md)")


@contextlib.contextmanager
def ray_session(address: str | None = None, *, num_cpus: int | None = None,
                py_modules: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Use the Ray already initialised in this process, join ``address``, or start a local Ray.

    Without an address a new local Ray always starts (``address="local"``), never one that
    ``ray start`` happened to leave running on the machine.

    ``py_modules``: the user's local modules (builder, loader), shipped by Ray to every node.
    An already initialised Ray keeps its own job's runtime env, so the facts say
    ``modules_shipped: False`` and the runner sends the builder's code with the trials instead.

    Ray is shut down on exit only if this function started or joined it.
    """
    check_address(address)
    import ray

    if ray.is_initialized():
        yield {**_facts(ray), "modules_shipped": not py_modules}
        return
    try:
        if address:
            runtime_env = {"env_vars": WORKER_ENV, **_modules_env(py_modules).get("runtime_env", {})}
            ray.init(address=address, runtime_env=runtime_env, logging_level="ERROR")
        else:
            start_local_ray(num_cpus, py_modules)
    except (ConnectionError, TimeoutError, RuntimeError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray instance"
        raise SweepError(f"could not start or reach {where}: {exc}") from None
    try:
        yield {**_facts(ray), "modules_shipped": True}
    finally:
        ray.shutdown()


def _modules_env(py_modules: list[str] | None) -> dict[str, Any]:
    return {"runtime_env": {"py_modules": list(py_modules)}} if py_modules else {}


def _facts(ray: Any) -> dict[str, Any]:
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    return {
        "nodes": sorted(n.get("NodeManagerAddress", "?") for n in nodes),
        "cpus": ray.cluster_resources().get("CPU", 0),
        "gpus": ray.cluster_resources().get("GPU", 0),
    }
