"""GPU packing and thread settings as plain data; the GPU itself is proven on a GPU machine (benchmarks/)."""

from __future__ import annotations

import pytest

from sweeps import load_spec
from sweeps.trial.trainable import plan_from_spec, worker_settings


@pytest.mark.parametrize(("resources", "expected"), [
    ({}, {"intra_op_threads": 1, "inter_op_threads": 1, "gpu_memory_growth": False,
          "deterministic_ops": True, "mixed_precision": False}),
    ({"cpus_per_trial": 4, "gpus_per_trial": 0.25, "mixed_precision": True},
     {"intra_op_threads": 4, "inter_op_threads": 2, "gpu_memory_growth": True,
      "deterministic_ops": False, "mixed_precision": True}),
    ({"cpus_per_trial": 0.5, "mixed_precision": True},
     {"intra_op_threads": 1, "inter_op_threads": 1, "gpu_memory_growth": False,
      "deterministic_ops": True, "mixed_precision": False}),
    ({"jit_compile": True},
     {"intra_op_threads": 1, "inter_op_threads": 1, "gpu_memory_growth": False,
      "deterministic_ops": False, "mixed_precision": False}),
])
def test_worker_settings_follow_the_trial_share(resources: dict, expected: dict) -> None:
    spec = load_spec({"name": "w", "resources": resources})
    assert worker_settings(plan_from_spec(spec)) == expected


def test_fractional_gpus_are_requested_from_ray() -> None:
    from sweeps.tuner import trainable

    spec = load_spec({"name": "g", "resources": {"gpus_per_trial": 0.125, "cpus_per_trial": 1}})

    class NoData:
        def without_test(self) -> "NoData":
            return self

    bound = trainable(spec, NoData())  # type: ignore[arg-type]
    bundle = bound._resources.required_resources
    assert bundle == {"CPU": 1.0, "GPU": 0.125}
