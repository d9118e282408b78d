"""Before a sweep writes anything: Ray started (or joined) and the data loaded, at once.

Both take seconds, mostly waiting, so the data loads in a thread while Ray starts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sweeps.preflight import user_modules
from sweeps.session import ray_session
from sweeps.spec.model import Spec
from sweeps.trial.data import Splits, load_data


@contextlib.contextmanager
def ray_and_data(spec: Spec, address: str | None) -> Iterator[tuple[dict[str, Any], Splits]]:
    """Ray's facts and the sweep's data, loaded in a thread while Ray starts (both take seconds, mostly waiting)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-data") as pool:
        loading = pool.submit(load_data, spec.data, spec.family, spec.base)
        with ray_session(address, py_modules=user_modules(spec)) as facts:
            yield facts, loading.result()
