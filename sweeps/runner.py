"""run / resume / status: the only place that calls ``tune.Tuner``.

Order matters for "nothing is lost": the spec is validated before Ray starts and the data
loaded (while Ray starts) before anything is written; the store writes rows as epochs
finish; the chosen configuration (best mean over repeats) is scored on the test split
once, after the search.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from ray.tune import Callback

from sweeps.errors import SpecError, SweepError
from sweeps.preflight import user_modules, with_builder, with_data
from sweeps.progress import ProgressPrinter
from sweeps.results import constants as c
from sweeps.results.storage import Folder, is_uri
from sweeps.results.store import SweepStore
from sweeps.session import ray_session
from sweeps.spec.model import Spec, load_spec
from sweeps.trial.baselines import baselines
from sweeps.trial.data import Splits, fingerprint, load_data
from sweeps.trial.scorer import ScorerLauncher, score, stop_scorer
from sweeps.trial.trainable import plan_from_spec

CHECKPOINTS_KEPT = None
"""Per trial: all, while the sweep runs. Tune deletes older checkpoints as newer ones arrive, while
the experiment state it last synced to storage can name an older one still; a driver killed then
would leave a trial that cannot resume. ``checkpoint_seconds`` bounds how many there are, and a
finished sweep deletes them (only ``sweeps resume`` of an unfinished sweep needs them)."""

CHECKPOINT_PREFIX = "checkpoint_"


class SweepInterrupted(SweepError):
    """Ctrl-C or SIGTERM stopped the sweep; it is left resumable, unscored and not ``finished`` (exit 130)."""

    exit_code = 130


@dataclass
class SweepOutcome:
    """What a finished sweep produced; everything is also on disk in ``folder``.

    ``chosen``: the chosen configuration's best repeat (its trials.parquet row) with ``configuration``,
    ``trial_ids``, ``runs``, ``scored_runs`` and ``mean_<metric>``; None when no score was finite.
    """

    folder: Path | str
    metric: str
    counts: dict[str, int]
    chosen: dict[str, Any] | None
    test_metrics: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    axes: list[str] = field(default_factory=list)
    """The searched hyperparameters, which the console names in the chosen configuration."""


def run(spec: Spec | str | Path | Mapping[str, Any], *, results: str | Path = "results",
        address: str | None = None, max_concurrent: int | None = None, overwrite: bool = False,
        overrides: Mapping[str, Any] | None = None, progress: bool = True, build: Any = None,
        _wrap_trainable: Any = None) -> SweepOutcome:
    """Run a sweep and write ``<results>/<name>/``.

    Args:
        spec: a :class:`Spec`, a YAML file, a built-in spec's name or the spec as a mapping.
        results: the results root (a local path or a pyarrow filesystem URI).
        address: ``"auto"`` or ``"HOST:PORT"`` joins a running Ray cluster; None starts a local Ray.
        max_concurrent: the most trials at once (overrides ``resources.max_concurrent``).
        overwrite: replace an existing results folder of the same name instead of refusing.
        overrides: dotted keys set on the spec before validation, like ``{"train.max_epochs": 3}``.
        progress: print the one-line progress view while the sweep runs.
        build: a function ``build(hp) -> keras.Model`` (uncompiled) for the user's own model,
            instead of ``model.build`` in the spec; every other key under ``model:`` is its hyperparameter.

    Returns:
        The :class:`SweepOutcome`: trial counts, the chosen configuration and its test metrics.

    Example:
        >>> outcome = run("quickstart", results="results")  # doctest: +SKIP
        >>> outcome.chosen["optimizer"], outcome.test_metrics["test_accuracy"]  # doctest: +SKIP
    """
    spec = with_builder(spec, overrides, build)
    if max_concurrent is not None and max_concurrent < 1:
        raise SpecError(f"--max-concurrent must be >= 1, got {max_concurrent}")
    folder = Folder.at(results).child(spec.name)
    with _locked(folder):
        replace = _claim_folder(folder, overwrite)
        return _run_locked(spec, folder, replace, address, max_concurrent, progress, _wrap_trainable)


def _run_locked(spec: Spec, folder: Folder, replace: bool, address: str | None, max_concurrent: int | None,
                progress: bool, wrap: Any) -> SweepOutcome:
    started = time.time()
    from ray import tune

    from sweeps.search.space import count_trials, param_space

    signals = _Signals()
    with signals.installed(), _ray_and_data(spec, address) as (facts, data):
        spec = with_data(spec, data, facts)
        for line in data.audit.warnings:
            print(line, file=sys.stderr)
        if replace:  # only now: Ray and the data are known good, and the new sweep is about to write
            folder.remove_except(c.LOCK_FILE)
        folder.make()
        folder.write_text(c.SPEC_FILE, spec.to_yaml())
        _write_run_facts(folder, spec, {"started": _iso(started), "finished": None, "nodes": facts["nodes"],
                                        "data": fingerprint(data), c.RUN_BASELINES: baselines(data, spec.loss)})
        launcher = ScorerLauncher(plan_from_spec(spec))
        signals.store = store = _make_store(spec, folder, count_trials(spec), progress)
        tuner = tune.Tuner(
            _trainable(spec, data, wrap),
            param_space=param_space(spec),
            tune_config=_tune_config(spec, max_concurrent),
            run_config=_run_config(spec, folder, [signals, store, launcher]),
        )
        _fit(tuner, launcher, signals, folder)
        return _finish(spec, folder, data, started, launcher.scorer)


def resume(location: str | Path, *, address: str | None = None, progress: bool = True) -> SweepOutcome:
    """Finish a sweep whose driver stopped; epochs already stored are kept, none is written twice.

    Args:
        location: the sweep's results folder (``<results>/<name>``), a local path or a URI.
        address: ``"auto"`` or ``"HOST:PORT"`` joins a running Ray cluster; None starts a local Ray.
        progress: print the one-line progress view while the sweep runs.

    Returns:
        The :class:`SweepOutcome`, as :func:`run` returns it.
    """
    folder = Folder.at(location)
    if not folder.exists(c.SPEC_FILE) or not folder.is_dir(c.RAY_DIR):
        raise SpecError(f"{folder.uri} is not a sweep's results folder (it needs {c.SPEC_FILE} and {c.RAY_DIR}/)")
    with _locked(folder):
        return _resume_locked(folder, address, progress)


def _resume_locked(folder: Folder, address: str | None, progress: bool) -> SweepOutcome:
    spec = _stored_spec(folder)
    started = time.time()
    from ray import tune

    from sweeps.search.space import count_trials

    signals = _Signals()
    with signals.installed(), _ray_and_data(spec, address) as (facts, data):
        spec = with_data(spec, data, facts)
        launcher = ScorerLauncher(plan_from_spec(spec))
        experiment = folder.child(c.RAY_DIR).uri
        if not tune.Tuner.can_restore(experiment):
            raise SweepError(f"{experiment} holds no Ray Tune experiment state to resume from")
        tuner = tune.Tuner.restore(experiment, trainable=_trainable(spec, data),
                                   resume_unfinished=True, resume_errored=True)
        signals.store = store = _make_store(spec, folder, count_trials(spec), progress)
        _rebind_callbacks(tuner, [signals, store, launcher])
        _fit(tuner, launcher, signals, folder)
        return _finish(spec, folder, data, started, launcher.scorer)


def status(location: str | Path) -> dict[str, Any]:
    """Trials by state and the best so far, from the files alone (no Ray session starts; Ray Tune is imported).

    Args:
        location: the sweep's results folder (``<results>/<name>``), a local path or a URI.

    Returns:
        ``name``, ``folder``, ``metric``, ``mode``, ``total`` (trials planned), ``counts`` (per status),
        ``best`` (the best trial's row so far, or None), ``epochs`` (rows stored), ``finished`` and ``chosen``
        (from run.json), ``axes`` (the searched hyperparameters, a user model's own too).
    """
    folder = Folder.at(location)
    if not folder.exists(c.SPEC_FILE):
        raise SpecError(f"{folder.uri} is not a sweep's results folder (no {c.SPEC_FILE})")
    spec = _stored_spec(folder)
    store = SweepStore(folder, sweep=spec.name, family=spec.family, metric=spec.metric, mode=spec.mode,
                       metadata=_store_metadata(spec))
    store.load_existing()
    facts = json.loads(folder.read_text(c.RUN_FILE) or "{}")
    from sweeps.search.space import count_trials

    return {"name": spec.name, "folder": folder.uri, "metric": spec.metric, "mode": spec.mode,
            "total": count_trials(spec), "counts": store.counts(), "best": store.best_trial(), "axes": spec.axes,
            "epochs": len(store.epochs), "finished": facts.get("finished"), "chosen": facts.get("chosen")}


@contextlib.contextmanager
def _ray_and_data(spec: Spec, address: str | None) -> Iterator[tuple[dict[str, Any], Splits]]:
    """Ray's facts and the sweep's data, loaded in a thread while Ray starts (both take seconds, mostly waiting)."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-data") as pool:
        loading = pool.submit(load_data, spec.data, spec.family, spec.base)
        with ray_session(address, py_modules=user_modules(spec)) as facts:
            yield facts, loading.result()


def _stored_spec(folder: Folder) -> Spec:
    """The spec as run, with the folder its user modules (``model.build``, ``data.load``) were found in."""
    import dataclasses

    spec = load_spec(yaml.safe_load(folder.read_text(c.SPEC_FILE) or "{}"))
    facts = json.loads(folder.read_text(c.RUN_FILE) or "{}")
    return dataclasses.replace(spec, base=facts.get("spec_folder"))


def _claim_folder(folder: Folder, overwrite: bool) -> bool:
    """True if old results are to be replaced; they are deleted later, once Ray and the data are up."""
    if not [name for name in folder.names() if name != c.LOCK_FILE]:
        return False
    if not overwrite:
        raise SpecError(f"{folder.uri} already holds results; resume it with `sweeps resume {folder.uri}`, "
                        "choose another --results folder or name, or pass --overwrite to replace it")
    return True


@contextlib.contextmanager
def _locked(folder: Folder) -> Iterator[None]:
    """Hold ``<folder>/.lock`` while this run or resume writes; a dead process's lock on this host is taken over."""
    mine = json.dumps({"host": socket.gethostname(), "pid": os.getpid()})
    if not folder.create_new(c.LOCK_FILE, mine):
        holder = _lock_holder(folder)
        if not _is_stale(holder):
            raise SweepError(f"{folder.uri} is in use by another sweep (pid {holder.get('pid')} on "
                             f"{holder.get('host')}); wait for it, or delete {c.LOCK_FILE} there if it is gone")
        print(f"taking over a stale lock on {folder.uri} (pid {holder.get('pid')} is no longer running)",
              file=sys.stderr)
        folder.write_text(c.LOCK_FILE, mine)
    try:
        yield
    finally:
        if folder.read_text(c.LOCK_FILE) == mine:
            folder.remove_file(c.LOCK_FILE)


def _lock_holder(folder: Folder) -> dict[str, Any]:
    try:
        holder = json.loads(folder.read_text(c.LOCK_FILE) or "{}")
    except ValueError:
        return {}
    return holder if isinstance(holder, dict) else {}


def _is_stale(holder: Mapping[str, Any]) -> bool:
    """Only a lock from this host whose process is gone is stale; another host's cannot be checked from here."""
    pid = holder.get("pid")
    if holder.get("host") != socket.gethostname() or not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _trainable(spec: Spec, data: Splits, wrap: Any = None) -> Any:
    """The trial function with data and plan bound through the object store; ``wrap`` is for fault tests."""
    from ray import tune

    from sweeps.trial.trainable import plan_from_spec, train_trial

    resources = {"cpu": spec.resources["cpus_per_trial"], "gpu": spec.resources["gpus_per_trial"]}
    function = wrap(train_trial) if wrap else train_trial
    return tune.with_resources(
        tune.with_parameters(function, data=data.without_test(), plan=plan_from_spec(spec)), resources)


def _tune_config(spec: Spec, max_concurrent: int | None) -> Any:
    """Under ``tpe`` or ``bohb`` a searcher (behind its own concurrency limit) draws ``num_samples`` trials;
    else Tune expands the param_space's grid once."""
    from ray import tune

    from sweeps.search.schedulers import make_scheduler
    from sweeps.search.searchers import make_searcher
    from sweeps.search.space import count_trials

    limit = max_concurrent or spec.resources["max_concurrent"]
    searcher = make_searcher(spec, limit)
    return tune.TuneConfig(
        metric=spec.metric,
        mode=spec.mode,
        search_alg=searcher,
        scheduler=make_scheduler(spec),
        num_samples=count_trials(spec) if searcher is not None else 1,
        max_concurrent_trials=None if searcher is not None else limit,
        reuse_actors=True,
    )


def _run_config(spec: Spec, folder: Folder, callbacks: list[Any]) -> Any:
    from ray import tune

    return tune.RunConfig(
        name=c.RAY_DIR,
        storage_path=folder.uri,
        callbacks=callbacks,
        failure_config=tune.FailureConfig(max_failures=spec.resources["max_failures"]),
        checkpoint_config=tune.CheckpointConfig(num_to_keep=CHECKPOINTS_KEPT),
        verbose=0,
        progress_reporter=None,
    )


def _make_store(spec: Spec, folder: Folder, total: int, progress: bool) -> SweepStore:
    printer = ProgressPrinter(total, spec.metric) if progress else None
    return SweepStore(folder, sweep=spec.name, family=spec.family, metric=spec.metric, mode=spec.mode,
                      metadata=_store_metadata(spec), progress=printer)


def _store_metadata(spec: Spec) -> dict[str, Any]:
    from sweeps.results.records import USER_HYPERPARAMETERS

    return {"axes": spec.axes, "scheduler": spec.search["scheduler"], "task": spec.task,
            USER_HYPERPARAMETERS: spec.user_types()}


def _rebind_callbacks(tuner: Any, fresh: list[Any]) -> None:
    """A restored Tuner brings the callbacks pickled at the first run; replace ours with ones for this driver."""
    run_config = getattr(getattr(tuner, "_local_tuner", None), "_run_config", None)
    callbacks = getattr(run_config, "callbacks", None)
    if callbacks is None:
        raise SweepError("this Ray version keeps its restored run config elsewhere; cannot resume safely")
    ours = tuple(type(cb) for cb in fresh)
    callbacks[:] = [cb for cb in callbacks if not isinstance(cb, ours)] + fresh


class _Signals(Callback):
    """Sees the stop signals around ``tuner.fit``: Tune catches the first Ctrl-C and returns normally.

    ``setup`` runs after Tune installed its SIGINT handler: ours records the signal, then calls
    Tune's (a graceful stop that saves the experiment state). Tune then puts back the handler
    from before ``fit``, ours again, which stops at once. SIGTERM acts as a first Ctrl-C.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self.store: SweepStore | None = None
        self.stopping = False

    def __getstate__(self) -> dict[str, Any]:
        """Tune pickles callbacks; what this run received means nothing to a resumed one."""
        return {"received": None, "store": None, "stopping": False}

    def record(self, sig: int) -> None:
        if self.received is None:
            self.received = sig
        if self.store is not None:
            self.store.interrupted = True

    def setup(self, **info: Any) -> None:
        tune_handler = signal.getsignal(signal.SIGINT)
        if _main_thread() and callable(tune_handler) and tune_handler != self._now:
            signal.signal(signal.SIGINT, lambda sig, frame: (self.record(sig), tune_handler(sig, frame)))

    def _now(self, sig: int, frame: Any) -> None:
        self.record(sig)
        if not self.stopping:  # once stopping, Ray's shutdown must run, or the exit-130 message is lost
            raise KeyboardInterrupt

    def _term(self, sig: int, frame: Any) -> None:
        self.record(sig)
        handler = signal.getsignal(signal.SIGINT)
        if not callable(handler):
            raise KeyboardInterrupt
        handler(signal.SIGINT, frame)

    def arm_sigterm(self) -> None:
        """Again, after ``ray.init``: Ray's driver installs its own SIGTERM handler, which exits at once."""
        if _main_thread():
            signal.signal(signal.SIGTERM, self._term)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Our handlers from before Ray starts until it is shut down."""
        if not _main_thread():
            yield
            return
        before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        signal.signal(signal.SIGINT, self._now)
        signal.signal(signal.SIGTERM, self._term)
        try:
            yield
        finally:
            for sig, handler in before.items():
                signal.signal(sig, handler)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _fit(tuner: Any, launcher: ScorerLauncher, signals: _Signals, folder: Folder) -> None:
    """Run Tune; after a stop signal skip the finish (no test score, no ``finished``) and raise exit 130."""
    signals.arm_sigterm()
    try:
        tuner.fit()
    except KeyboardInterrupt:
        signals.record(signals.received or signal.SIGINT)
    if signals.received is None:
        return
    signals.stopping = True
    stop_scorer(launcher.scorer)
    if signals.store is not None:
        signals.store.mark_interrupted()
    name = signal.Signals(signals.received).name
    raise SweepInterrupted(f"stopped by {name}; every finished epoch is stored; "
                           f"continue with `sweeps resume {folder.uri}`") from None


def _finish(spec: Spec, folder: Folder, data: Splits, started: float, scorer: Any) -> SweepOutcome:
    """Choose the configuration (best mean over repeats), score it once on the test split, close the run facts."""
    from sweeps.results.predictions import predictions_table
    from sweeps.search.space import config_from_row

    store = SweepStore(folder, sweep=spec.name, family=spec.family, metric=spec.metric, mode=spec.mode,
                       metadata=_store_metadata(spec))
    store.load_existing()
    chosen = store.chosen()
    best, test, chosen_facts = None, {}, None
    if folder.exists(c.TEST_PREDICTIONS_FILE):
        folder.remove_file(c.TEST_PREDICTIONS_FILE)
    if chosen is not None:
        row, choice = chosen
        best = {**row, **choice.facts(spec.metric)}
        hp = config_from_row(spec, row, store.hyperparameters)
        scored = score(scorer, hp, data, plan_from_spec(spec), int(row[c.BEST_EPOCH]))
        test = {k: v for k, v in scored.metrics.items() if k.startswith(c.TEST_PREFIX)}
        store.set_chosen(choice.trial_ids, choice.representative, test)
        if scored.predictions:
            folder.write_table(c.TEST_PREDICTIONS_FILE, predictions_table(scored.predictions, data.task))
        chosen_facts = {"trial_id": row[c.TRIAL_ID], "best_epoch": row[c.BEST_EPOCH],
                        spec.metric: row[c.BEST_PREFIX + spec.metric], "retrained": scored.metrics, **test,
                        **choice.facts(spec.metric)}
    else:
        stop_scorer(scorer)
    store.flush()
    counts = store.counts()
    if not counts.get(c.ERRORED) and not counts.get(c.RUNNING) and not counts.get(c.INTERRUPTED):
        folder.child(c.RAY_DIR).remove_grandchildren(CHECKPOINT_PREFIX)
    finished = time.time()
    nodes = sorted({row.get(c.NODE) for row in store.epochs.values() if row.get(c.NODE)})
    _write_run_facts(folder, spec, {"finished": _iso(finished), "duration_seconds": round(finished - started, 2),
                                    "nodes_used": nodes, "counts": counts, "chosen": chosen_facts})
    shown = folder.uri if is_uri(folder.uri) else Path(folder.path)
    return SweepOutcome(shown, spec.metric, counts, best, test, finished - started, spec.axes)


def _write_run_facts(folder: Folder, spec: Spec, updates: Mapping[str, Any]) -> None:
    stored = folder.read_text(c.RUN_FILE)
    facts = json.loads(stored) if stored else _initial_facts(spec)
    facts.update(updates)
    folder.write_text(c.RUN_FILE, json.dumps(facts, indent=2, default=str))


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


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat(timespec="seconds")


__all__ = ["run", "resume", "status", "SweepOutcome", "SweepInterrupted"]
