"""Peers on the 48-configuration work, in one run, as ratios of wall time.

    make bench-peers                                          # builds benchmarks/.venv-peers, then runs it all
    benchmarks/.venv-peers/bin/python benchmarks/peers.py --quick  # 4 configs, at most 3 epochs: a smoke test
    benchmarks/.venv-peers/bin/python benchmarks/peers.py --only optuna-tpe-hyperband,ours-asha,ours-tpe
    benchmarks/.venv-peers/bin/python benchmarks/peers.py --repeats 3         # medians of 3 runs of each search

The work is GRID48 of runner_efficiency.py: digits, an MLP, optimizer {sgd, adam, rmsprop, nadam} x learning
rate {1e-3, 1e-2, 1e-1} x width {10, 100} x depth {1, 3}, batch 32, at most 30 epochs, EarlyStopping on
val_loss with patience 3. Every search trains on the same training split and validates on the same validation
split as our runner (sweeps.trial.data.load_data with GRID48's resolved data section). Peers build the model in plain
Keras with a fresh optimizer per trial, seeded per trial with keras.utils.set_random_seed(0) as ours is.

Searches:
  keras-tuner-grid       keras_tuner.GridSearch over the grid, objective val_loss
  keras-tuner-hyperband  keras_tuner.Hyperband, max_epochs 30, factor 3 (samples the grid: it may skip configs)
  optuna-hyperband       Optuna GridSampler over the grid + HyperbandPruner, every epoch reported
  optuna-tpe-hyperband   Optuna TPESampler (seeded) over the grid's values as categorical choices + HyperbandPruner,
                         as many trials as the grid has configurations, n_jobs=2 (two threads; Keras' global seed
                         is shared between them, so initial weights are not reproducible)
  sklearn-gridsearchcv   GridSearchCV over a scikeras KerasClassifier, one fixed validation fold, n_jobs=2
  ray-tune-defaults      tune.Tuner with grid_search and default TuneConfig / RunConfig (1 CPU per trial)
  ours-grid, ours-asha   sweeps.run(GRID48), FIFO and ASHA (grace 3, reduction factor 3, max_t 30)
  ours-tpe               sweeps.run(GRID48) with search.algorithm tpe (OptunaSearch, TPE seeded from data.seed) over
                         the grid's values as choices, as many draws as the grid has configurations, and ASHA

Each search runs in its own subprocess (`--worker NAME`), so no search's TensorFlow state, threads or Ray
instance reaches the next. The clock starts in that subprocess after `import tensorflow` and the search
library's import, and stops when the search returns: Ray start-up, worker processes importing TensorFlow and
our runner's final retrain and test score all count (and its loading of the small digits data, which peers do
before the clock). Peers run with TensorFlow's default threading; our trials run with the runner's settings
(one intra-op thread per trial CPU, deterministic ops). Worker output goes to <out>-<name>.log next to --out.

Figures, one row per search:
  wall s        seconds of the whole search
  trials        trials the search ran (pruned and early-stopped ones included)
  epochs        epochs trained, summed over trials (a callback per peer; epochs.parquet for ours)
  best val_acc  the best validation accuracy of any epoch of any trial
  target s      seconds from the start until some epoch's val_accuracy came within 0.5 points (0.005) of the
                reference: ours-grid's best val_accuracy (or, without ours-grid, the best of this run), read from
                per-epoch timestamps (a callback per peer; epochs.parquet's timestamp for ours)
  target ep     epochs trained (all trials, in time order) until that epoch
  wall/fast     wall / the fastest peer's wall (peers: every search but ours-*)
  tgt/fast      target s / the target s of the peer that got there first
  ours-grid /   ours-grid's wall / this row's wall (above 1: ours-grid is slower)
With --repeats N every search runs N times (round by round, so a slow spell of the machine touches all of
them) and each figure is the median of its N runs; "reached" counts the runs that got within reach at all.

Targets of the speed issue (issue 14, cold start), printed under the table:
  ours-grid wall / fastest peer's wall                          <= 0.25
  fastest of ours' target s / fastest peer's target s          <= 0.5
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING, Any

from runner_efficiency import GRID48

if TYPE_CHECKING:
    from sweeps.trial.data import Splits

PEERS = ("keras-tuner-grid", "keras-tuner-hyperband", "optuna-hyperband", "optuna-tpe-hyperband",
         "sklearn-gridsearchcv", "ray-tune-defaults")
OURS = ("ours-grid", "ours-asha", "ours-tpe")
NAMES = PEERS + OURS
WITHIN = 0.005
TARGET_TO_TARGET = 0.5
TARGET_GRID = 0.25
THREADS = 2
"""n_jobs of the threaded peers (Optuna TPE, GridSearchCV): the machine's two cores."""
CLASSES = 10
SEED = 0
LIBRARIES = {
    "keras-tuner-grid": ("keras_tuner",),
    "keras-tuner-hyperband": ("keras_tuner",),
    "optuna-hyperband": ("optuna",),
    "optuna-tpe-hyperband": ("optuna",),
    "sklearn-gridsearchcv": ("scikeras.wrappers", "sklearn.model_selection"),
    "ray-tune-defaults": ("ray.tune",),
    "ours-grid": ("sweeps.runner",),
    "ours-asha": ("sweeps.runner",),
    "ours-tpe": ("sweeps.runner", "optuna", "ray.tune.search.optuna"),
}
"""Imported before the clock starts, like tensorflow: a one-time cost of the process, not of the search."""
VERSIONED = ("tensorflow", "keras", "ray", "keras-tuner", "optuna", "scikeras", "scikit-learn", "keras-sweeps")
KERAS_OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop", "nadam": "Nadam"}
BENCHMARKS = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Work:
    """The search space and training budget every search gets."""

    optimizer: tuple[str, ...]
    learning_rate: tuple[float, ...]
    width: tuple[int, ...]
    depth: tuple[int, ...]
    max_epochs: int
    patience: int
    batch_size: int
    grace_period: int = 3
    reduction_factor: int = 3

    def axes(self) -> dict[str, list[Any]]:
        return {"optimizer": list(self.optimizer), "learning_rate": list(self.learning_rate),
                "width": list(self.width), "depth": list(self.depth)}

    @property
    def size(self) -> int:
        return math.prod(len(values) for values in self.axes().values())


def work_of(spec: dict[str, Any]) -> Work:
    """The work of an ``mlp`` grid spec for our runner, so peers and ours can't drift apart."""
    model, train = spec["model"], spec["train"]
    return Work(optimizer=tuple(train["optimizer"]["grid"]), learning_rate=tuple(train["learning_rate"]["grid"]),
                width=tuple(model["width"]["grid"]), depth=tuple(model["depth"]["grid"]),
                max_epochs=train["max_epochs"], patience=train["early_stopping"]["patience"],
                batch_size=train["batch_size"])


FULL = work_of(GRID48)
QUICK = Work(optimizer=("sgd", "adam"), learning_rate=(1e-2,), width=(10, 100), depth=(1,), max_epochs=3,
             patience=FULL.patience, batch_size=FULL.batch_size, grace_period=1)


def ours_spec(work: Work, scheduler: str, algorithm: str = "grid") -> dict[str, Any]:
    """GRID48 with ``work``'s axes and budget (identical for the full run), the scheduler and the algorithm;
    under ``tpe`` the grid's values are choices and ``num_samples`` is the grid's size."""
    spec = copy.deepcopy(GRID48)
    spec["name"] = f"peers-ours-{scheduler}" + ("" if algorithm == "grid" else f"-{algorithm}")
    spec["model"].update({k: {"grid": work.axes()[k]} for k in ("width", "depth")})
    spec["train"].update({k: {"grid": work.axes()[k]} for k in ("optimizer", "learning_rate")})
    spec["train"]["max_epochs"] = work.max_epochs
    spec["search"] = {"algorithm": algorithm, "scheduler": scheduler, "metric": "val_loss"}
    if algorithm != "grid":
        spec["search"]["num_samples"] = work.size
    if scheduler == "asha":
        spec["search"]["asha"] = {"grace_period": work.grace_period, "reduction_factor": work.reduction_factor}
    return spec


# --- What every peer's trial does -------------------------------------------------------------------------


def build_model(optimizer: str, learning_rate: float, width: int, depth: int, n_features: int,
                threaded: bool = False) -> Any:
    """The runner's MLP in plain Keras, seeded, with an optimizer made here so no trial shares one.

    ``threaded``: another thread is training, so Keras' global state is left alone (no clear_session).
    """
    import keras

    if not threaded:
        keras.backend.clear_session()
    keras.utils.set_random_seed(SEED)
    inputs = keras.Input(shape=(n_features,))
    x = inputs
    for _ in range(int(depth)):
        x = keras.layers.Dense(int(width), activation="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(CLASSES, activation="softmax")(x))
    fresh = getattr(keras.optimizers, KERAS_OPTIMIZERS[optimizer])(learning_rate=float(learning_rate))
    model.compile(optimizer=fresh, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def early_stopping(work: Work) -> Any:
    import keras

    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=work.patience)


def _append_epoch(path: str, epoch: int, logs: dict[str, Any] | None) -> None:
    logs = logs or {}
    row = {"t": time.time(), "val_accuracy": float(logs.get("val_accuracy", math.nan)),
           "val_loss": float(logs.get("val_loss", math.nan))}
    with open(path, "a") as f:
        f.write(json.dumps(row) + "\n")


def epoch_log(path: Path) -> Any:
    """A callback appending one line per epoch to ``path``: survives the copies and processes peers make of it."""
    import keras

    return keras.callbacks.LambdaCallback(on_epoch_end=partial(_append_epoch, str(path)))


def fit_args(work: Work, splits: Splits) -> dict[str, Any]:
    return {"x": splits.x_train, "y": splits.y_train, "validation_data": (splits.x_val, splits.y_val),
            "epochs": work.max_epochs, "batch_size": work.batch_size, "verbose": 0}


# --- The searches: each returns (trials, note) ------------------------------------------------------------


def keras_tuner_search(work: Work, splits: Splits, tmp: Path, log: Path, *, hyperband: bool) -> tuple[int, str]:
    import keras_tuner as kt

    n_features = splits.x_train.shape[1]

    def build(hp: Any) -> Any:
        return build_model(**{k: hp.Choice(k, v) for k, v in work.axes().items()}, n_features=n_features)

    common = {"objective": "val_loss", "seed": SEED, "directory": str(tmp), "project_name": "kt", "overwrite": True}
    if hyperband:
        tuner = kt.Hyperband(build, max_epochs=work.max_epochs, factor=work.reduction_factor, **common)
    else:
        tuner = kt.GridSearch(build, **common)
    tuner.search(**fit_args(work, splits), callbacks=[early_stopping(work), epoch_log(log)])
    trials = list(tuner.oracle.trials.values())
    distinct = {tuple(t.hyperparameters.get(k) for k in work.axes()) for t in trials}
    note = f"samples: {len(distinct)} of {work.size} configurations tried" if hyperband else ""
    return len(trials), note


def optuna_search(work: Work, splits: Splits, tmp: Path, log: Path, *, tpe: bool = False) -> tuple[int, str]:
    """GridSampler (one thread), or TPESampler over the grid's values with n_jobs=2; HyperbandPruner either way."""
    import keras
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    n_features = splits.x_train.shape[1]

    def report(trial: optuna.Trial, epoch: int, logs: dict[str, Any] | None) -> None:
        trial.report(float((logs or {}).get("val_loss", math.nan)), step=epoch + 1)
        if trial.should_prune():
            raise optuna.TrialPruned()

    def objective(trial: optuna.Trial) -> float:
        model = build_model(**{k: trial.suggest_categorical(k, v) for k, v in work.axes().items()},
                            n_features=n_features, threaded=tpe)
        pruning = keras.callbacks.LambdaCallback(on_epoch_end=partial(report, trial))
        history = model.fit(**fit_args(work, splits), callbacks=[early_stopping(work), epoch_log(log), pruning])
        finite = [v for v in history.history["val_loss"] if math.isfinite(v)]
        return min(finite) if finite else math.inf

    sampler = optuna.samplers.TPESampler(seed=SEED) if tpe else optuna.samplers.GridSampler(work.axes(), seed=SEED)
    study = optuna.create_study(
        study_name="peers",
        direction="minimize",
        sampler=sampler,
        pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=work.max_epochs,
                                              reduction_factor=work.reduction_factor),
    )
    study.optimize(objective, n_trials=work.size, n_jobs=THREADS if tpe else 1)
    pruned = sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)
    distinct = len({tuple(sorted(t.params.items())) for t in study.trials})
    return len(study.trials), f"{pruned} pruned" + (f", {distinct} distinct configurations" if tpe else "")


def gridsearchcv_search(work: Work, splits: Splits, tmp: Path, log: Path) -> tuple[int, str]:
    """The seeds' GridSearchCV over a Keras classifier (002), with one fixed fold instead of cv=3.

    Chosen for early stopping: the course's way (000: EarlyStopping on val_loss; 004: the validation set
    "only used for early stopping"), i.e. ``validation_data`` passed through GridSearchCV.fit to Keras. The
    PredefinedSplit's only fold is that same validation split, so each candidate trains on the training
    split, stops on its val_loss and is scored on it, like every other search. Not chosen:
    EarlyStopping(monitor="loss") stops on the training loss, and fit__validation_split would carve its
    validation rows out of the training split; both would be different work.
    """
    import numpy as np
    from scikeras.wrappers import KerasClassifier
    from sklearn.model_selection import GridSearchCV, PredefinedSplit

    x = np.concatenate([splits.x_train, splits.x_val])
    y = np.concatenate([splits.y_train, splits.y_val])
    fold = PredefinedSplit(np.concatenate([np.full(len(splits.y_train), -1), np.zeros(len(splits.y_val))]))
    first = {k: v[0] for k, v in work.axes().items()}
    classifier = KerasClassifier(
        model=build_model, **{f"model__{k}": v for k, v in first.items()}, model__n_features=x.shape[1],
        epochs=work.max_epochs, batch_size=work.batch_size, verbose=0, random_state=SEED,
        callbacks=[early_stopping(work), epoch_log(log)],
    )
    grid = {f"model__{k}": v for k, v in work.axes().items()}
    search = GridSearchCV(classifier, grid, cv=fold, n_jobs=THREADS, refit=False)
    search.fit(x, y, validation_data=(splits.x_val, splits.y_val))
    return len(search.cv_results_["params"]), f"fold accuracy at the last epoch: best {search.best_score_:.4f}"


def _ray_trial(config: dict[str, Any], splits: Splits, work: Work, log: str) -> None:
    import keras
    from ray import tune

    def report(epoch: int, logs: dict[str, Any] | None) -> None:
        tune.report({"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}})

    model = build_model(**config, n_features=splits.x_train.shape[1])
    reporter = keras.callbacks.LambdaCallback(on_epoch_end=report)
    model.fit(**fit_args(work, splits), callbacks=[early_stopping(work), epoch_log(Path(log)), reporter])


def ray_tune_search(work: Work, splits: Splits, tmp: Path, log: Path) -> tuple[int, str]:
    import ray
    from ray import tune

    ray.init(address="local")
    try:
        tuner = tune.Tuner(
            tune.with_parameters(_ray_trial, splits=splits, work=work, log=str(log)),
            param_space={k: tune.grid_search(v) for k, v in work.axes().items()},
            run_config=tune.RunConfig(storage_path=str(tmp)),
        )
        results = tuner.fit()
    finally:
        ray.shutdown()
    return len(results), ""


def ours_search(work: Work, splits: Splits, tmp: Path, log: Path, *, scheduler: str,
                algorithm: str = "grid") -> tuple[int, str]:
    import sweeps

    outcome = sweeps.run(ours_spec(work, scheduler, algorithm), results=tmp, progress=False)
    note = f"ASHA grace {work.grace_period}, reduction factor {work.reduction_factor}, max_t {work.max_epochs}"
    if algorithm != "grid":
        note = f"{algorithm}, {work.size} draws, {note}"
    return sum(outcome.counts.values()), note if scheduler == "asha" else ""


Search = Callable[[Work, "Splits", Path, Path], tuple[int, str]]
SEARCHES: dict[str, Search] = {
    "keras-tuner-grid": partial(keras_tuner_search, hyperband=False),
    "keras-tuner-hyperband": partial(keras_tuner_search, hyperband=True),
    "optuna-hyperband": optuna_search,
    "optuna-tpe-hyperband": partial(optuna_search, tpe=True),
    "sklearn-gridsearchcv": gridsearchcv_search,
    "ray-tune-defaults": ray_tune_search,
    "ours-grid": partial(ours_search, scheduler="fifo"),
    "ours-asha": partial(ours_search, scheduler="asha"),
    "ours-tpe": partial(ours_search, scheduler="asha", algorithm="tpe"),
}


# --- Worker: one search in this process --------------------------------------------------------------------


@dataclass
class Run:
    """One search's figures; ``curve`` is (seconds since the start, val_accuracy) per epoch, in time order."""

    name: str
    wall_s: float = math.nan
    trials: int = 0
    epochs: int = 0
    best_val_accuracy: float = math.nan
    note: str = ""
    error: str = ""
    curve: list[tuple[float, float]] = field(default_factory=list)


def load_splits(work: Work) -> Splits:
    """Our runner's splits: GRID48's data section with the spec's defaults filled in by load_spec."""
    import sweeps
    from sweeps.trial.data import load_data

    return load_data(sweeps.load_spec(ours_spec(work, "fifo")).data, "mlp")


def read_curve(name: str, tmp: Path, log: Path, started: float) -> list[tuple[float, float]]:
    if name in OURS:
        import pandas as pd

        (parquet,) = tmp.glob("*/epochs.parquet")
        rows = pd.read_parquet(parquet, columns=["timestamp", "val_accuracy"]).itertuples(index=False)
        points = [(float(r.timestamp), float(r.val_accuracy)) for r in rows]
    elif log.exists():
        points = [(row["t"], row["val_accuracy"]) for row in map(json.loads, log.read_text().splitlines())]
    else:
        points = []
    return sorted((t - started, acc) for t, acc in points)


def worker(name: str, work: Work) -> Run:
    """Time one search; tensorflow and the search's library are imported before the clock starts."""
    import tensorflow  # noqa: F401

    for module in LIBRARIES[name]:
        importlib.import_module(module)
    splits = load_splits(work)
    with tempfile.TemporaryDirectory(prefix=f"peers-{name}-") as folder:
        tmp, log = Path(folder), Path(folder) / "epochs.jsonl"
        started, clock = time.time(), time.perf_counter()
        trials, note = SEARCHES[name](work, splits, tmp, log)
        wall = time.perf_counter() - clock
        curve = read_curve(name, tmp, log, started)
    accuracies = [acc for _, acc in curve if math.isfinite(acc)]
    return Run(name, wall_s=wall, trials=trials, epochs=len(curve), note=note, curve=curve,
               best_val_accuracy=max(accuracies) if accuracies else math.nan)


# --- Parent: one subprocess per search, then the table ----------------------------------------------------


def spawn(name: str, quick: bool, log_path: Path) -> Run:
    """Run one search in a fresh interpreter so it inherits no TensorFlow, thread or Ray state."""
    with tempfile.TemporaryDirectory(prefix="peers-result-") as folder:
        result = Path(folder) / "run.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--result", str(result)]
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
        with log_path.open("w") as out:
            code = subprocess.run(command + (["--quick"] if quick else []), stdout=out, stderr=subprocess.STDOUT,
                                  env=env, check=False).returncode
        if code != 0 or not result.exists():
            return Run(name, error=f"exit code {code}; see {log_path}")
        return Run(**json.loads(result.read_text()))


def time_to(curve: list[tuple[float, float]], target: float) -> float | None:
    return next((t for t, acc in curve if acc >= target - WITHIN), None)


def epochs_to(curve: list[tuple[float, float]], target: float) -> int | None:
    """Epochs trained, over all trials, until the first one within reach of ``target``."""
    return next((i + 1 for i, (_, acc) in enumerate(curve) if acc >= target - WITHIN), None)


def _finite_or_none(value: Any) -> Any:
    """NaN is not JSON; a figure that doesn't exist is null."""
    return None if isinstance(value, float) and math.isnan(value) else value


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b and math.isfinite(a) and math.isfinite(b) else None


def _median(values: list[Any]) -> Any:
    finite = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return median(finite) if finite else None


def summarise(runs: dict[str, list[Run]], work: Work, quick: bool) -> dict[str, Any]:
    """Every figure of the table (medians over each search's repeats) and the targets, as plain data for JSON."""
    done = {name: [r for r in each if not r.error] for name, each in runs.items()}
    done = {name: each for name, each in done.items() if each}
    grid_best = _median([r.best_val_accuracy for r in done.get("ours-grid", [])])
    reference_from = "ours-grid" if grid_best is not None else "best of this run"
    bests = [r.best_val_accuracy for each in done.values() for r in each if math.isfinite(r.best_val_accuracy)]
    reference = grid_best if grid_best is not None else (max(bests) if bests else None)
    rows = []
    for name, each in runs.items():
        ok = done.get(name, [])
        reached = [time_to(r.curve, reference) for r in ok] if reference is not None else []
        row: dict[str, Any] = {
            "name": name, "repeats": len(each), "note": next((r.note for r in ok if r.note), ""),
            "error": "" if ok else "; ".join(r.error for r in each),
            "wall_s": _median([r.wall_s for r in ok]), "trials": _median([r.trials for r in ok]),
            "epochs": _median([r.epochs for r in ok]), "best_val_accuracy": _median([r.best_val_accuracy for r in ok]),
            "to_target_s": _median(reached), "reached": sum(t is not None for t in reached),
            "to_target_epochs": _median([epochs_to(r.curve, reference) for r in ok] if reference is not None else []),
            "each": [{"wall_s": _finite_or_none(r.wall_s), "to_target_s": t, "error": r.error}
                     for r, t in zip(ok, reached)] + [{"error": r.error} for r in each if r.error],
        }
        rows.append(row)
    peers = [row for row in rows if row["name"] in PEERS and not row["error"]]
    fastest = min(peers, key=lambda row: row["wall_s"]) if peers else None
    first = min((row for row in peers if row["to_target_s"] is not None), key=lambda row: row["to_target_s"],
                default=None)
    fastest_wall = fastest["wall_s"] if fastest else None
    first_target = first["to_target_s"] if first else None
    by_name = {row["name"]: row for row in rows if not row["error"]}
    grid_wall = by_name["ours-grid"]["wall_s"] if "ours-grid" in by_name else None
    for row in rows:
        row["wall_over_fastest_peer"] = ratio(row["wall_s"], fastest_wall)
        row["to_target_over_first_peer"] = ratio(row["to_target_s"], first_target)
        row["ours_grid_over_wall"] = ratio(grid_wall, row["wall_s"])
    ours_first = min((row for row in rows if row["name"] in OURS and row["to_target_s"] is not None),
                     key=lambda row: row["to_target_s"], default=None)
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "host": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": versions(),
        "quick": quick,
        "repeats": max((len(each) for each in runs.values()), default=0),
        "work": {**asdict(work), "configurations": work.size},
        "reference": {"from": reference_from, "val_accuracy": reference, "within": WITHIN},
        "fastest_peer": {"name": fastest["name"], "wall_s": fastest_wall} if fastest else None,
        "first_peer_to_target": {"name": first["name"], "to_target_s": first_target} if first else None,
        "runs": rows,
        "targets": {
            "ours_grid_wall_over_fastest_peer_wall": {
                "value": ratio(grid_wall, fastest_wall), "target": TARGET_GRID, "of": "ours-grid"},
            "ours_to_target_over_first_peer_to_target": {
                "value": ratio(ours_first["to_target_s"], first_target) if ours_first else None,
                "target": TARGET_TO_TARGET, "of": ours_first["name"] if ours_first else None},
        },
    }


def versions() -> dict[str, str]:
    from importlib import metadata

    found = {}
    for dist in VERSIONED:
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found


def _cell(value: Any, spec: str) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def render(summary: dict[str, Any]) -> str:
    work, ref = summary["work"], summary["reference"]
    repeats = summary["repeats"]
    lines = [
        f"{work['configurations']} configurations, at most {work['max_epochs']} epochs, "
        f"{summary['host']['cpus']} CPUs, {summary['date']}" + ("  (--quick)" if summary["quick"] else "")
        + (f", medians of {repeats} runs" if repeats > 1 else ""),
        f"{'search':<23}{'wall s':>9}{'trials':>8}{'epochs':>8}{'best val_acc':>14}{'target s':>10}{'reached':>9}"
        f"{'target ep':>11}{'wall/fast':>11}{'tgt/fast':>10}{'ours-grid /':>13}",
    ]
    for row in summary["runs"]:
        if row["error"]:
            lines.append(f"{row['name']:<23}  failed: {row['error']}")
            continue
        lines.append(
            f"{row['name']:<23}{_cell(row['wall_s'], '.1f'):>9}{_cell(row['trials'], 'g'):>8}"
            f"{_cell(row['epochs'], 'g'):>8}{_cell(row['best_val_accuracy'], '.4f'):>14}"
            f"{_cell(row['to_target_s'], '.1f'):>10}{row['reached']:>5}/{row['repeats']:<3}"
            f"{_cell(row['to_target_epochs'], 'g'):>11}{_cell(row['wall_over_fastest_peer'], '.2f'):>11}"
            f"{_cell(row['to_target_over_first_peer'], '.2f'):>10}{_cell(row['ours_grid_over_wall'], '.2f'):>13}"
        )
    lines += [f"  {row['name']}: {row['note']}" for row in summary["runs"] if row["note"]]
    lines.append(f"target s: first epoch within {ref['within']} of {_cell(ref['val_accuracy'], '.4f')} "
                 f"({ref['from']}'s best val_accuracy), from per-epoch timestamps")
    fastest, first = summary["fastest_peer"], summary["first_peer_to_target"]
    lines.append(f"fastest peer: {fastest['name']} ({fastest['wall_s']:.1f} s)" if fastest else "fastest peer: none")
    lines.append(f"first peer to the target: {first['name']} ({first['to_target_s']:.1f} s)" if first
                 else "first peer to the target: none")
    targets = summary["targets"]
    for label, key in (("ours-grid wall / fastest peer wall", "ours_grid_wall_over_fastest_peer_wall"),
                       ("ours' target s / first peer's target s", "ours_to_target_over_first_peer_to_target")):
        value, goal, of = targets[key]["value"], targets[key]["target"], targets[key]["of"]
        verdict = "-" if value is None else ("met" if value <= goal else "missed")
        lines.append(f"{label:<42}{_cell(value, '.3f'):>7}  (target <= {goal}: {verdict}; {of or '-'})")
    return "\n".join(lines)


def selected(only: str | None) -> list[str]:
    if not only:
        return list(NAMES)
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        raise SystemExit(f"--only: unknown {', '.join(unknown)}; choose from {', '.join(NAMES)}")
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", metavar="NAME[,NAME]", help=f"run only these: {', '.join(NAMES)}")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke test: {QUICK.size} configurations, at most {QUICK.max_epochs} epochs")
    parser.add_argument("--repeats", type=int, default=1, metavar="N",
                        help="run every search N times and report medians (time-to-target is noisy)")
    parser.add_argument("--out", type=Path, help="JSON results (default benchmarks/results/peers[-quick].json)")
    parser.add_argument("--worker", choices=NAMES, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    work = QUICK if args.quick else FULL
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    if args.worker:
        args.result.write_text(json.dumps(asdict(worker(args.worker, work))))
        return 0
    out = args.out or BENCHMARKS / "results" / ("peers-quick.json" if args.quick else "peers.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    names = selected(args.only)
    runs: dict[str, list[Run]] = {name: [] for name in names}
    for repeat in range(args.repeats):  # round by round: a slow spell of the machine touches every search
        for name in names:
            tag = f"{name} ({repeat + 1}/{args.repeats})" if args.repeats > 1 else name
            print(f"{tag} ...", file=sys.stderr, flush=True)
            suffix = f"-{repeat + 1}" if args.repeats > 1 else ""
            runs[name].append(spawn(name, args.quick, out.with_name(f"{out.stem}-{name}{suffix}.log")))
            print(f"{tag}: {runs[name][-1].error or f'{runs[name][-1].wall_s:.1f} s'}", file=sys.stderr, flush=True)
    summary = summarise(runs, work, args.quick)
    print(render(summary))
    out.write_text(json.dumps(summary, indent=2))
    print(f"written {out}")
    return 0 if all(not r.error for each in runs.values() for r in each) else 1


if __name__ == "__main__":
    sys.exit(main())
