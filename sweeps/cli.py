"""The ``sweeps`` command: parses arguments, calls the public API, prints. Nothing else.

Exit codes: 0 done, 2 bad input (spec, folder, arguments), 1 the sweep failed or its folder is
locked by another run, 130 stopped by Ctrl-C or SIGTERM (resumable with ``sweeps resume``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from sweeps.errors import SpecError, SweepsError

EPILOG = """examples:
  sweeps list
  sweeps validate quickstart
  sweeps run quickstart
  sweeps run my-spec.yaml --results results --set train.max_epochs=5
  sweeps run optimizers --address auto                  # on an existing Ray cluster
  sweeps status results/quickstart
  sweeps resume results/quickstart
  sweeps report results/quickstart results/optimizers --out report/
  sweeps schema > sweeps.schema.json                     # for an editor's YAML language server
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sweeps", description="Keras hyperparameter sweeps on Ray Tune.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="list the built-in specs")

    validate = sub.add_parser("validate", help="check a spec; print the trial count and the search space")
    validate.add_argument("spec", help="a YAML file or a built-in spec name")
    _add_set(validate)

    run = sub.add_parser("run", help="run a sweep; results go to RESULTS/<name>/")
    run.add_argument("spec", help="a YAML file or a built-in spec name")
    run.add_argument("--results", default="results", help="results root folder (default: results)")
    run.add_argument("--storage", help="alias of --results, for a shared path on a cluster")
    run.add_argument("--address", help="join a Ray cluster: auto or HOST:PORT (not ray://: run on a node) "
                                       "(default: start a local Ray)")
    run.add_argument("--max-concurrent", type=int, help="at most N trials at once")
    run.add_argument("--overwrite", action="store_true", help="replace an existing results folder")
    run.add_argument("--quiet", action="store_true", help="no live progress line")
    _add_set(run)

    resume = sub.add_parser("resume", help="finish an interrupted sweep")
    resume.add_argument("folder", help="the sweep's results folder")
    resume.add_argument("--address", help="join a Ray cluster instead of starting a local Ray")
    resume.add_argument("--quiet", action="store_true", help="no live progress line")

    status = sub.add_parser("status", help="trials by state and the best so far")
    status.add_argument("folder", help="the sweep's results folder")

    report = sub.add_parser("report", help="write an HTML (and Markdown) report; several folders are compared")
    report.add_argument("folders", nargs="+", help="results folders")
    report.add_argument("--out", help="output folder (default: <first folder>/report)")

    sub.add_parser("schema", help="print the spec's JSON Schema (for an editor's YAML language server)")
    return parser


def _add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                        help="override a spec field, e.g. --set train.max_epochs=5 (repeatable; VALUE is YAML)")


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SpecError(f"--set takes KEY=VALUE (e.g. train.max_epochs=5), got {item!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except SweepsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _list(args: argparse.Namespace) -> int:
    from sweeps.spec.model import builtin_specs, read_spec

    for name, path in sorted(builtin_specs().items()):
        first = path.read_text().splitlines()[0].lstrip("# ").strip()
        read_spec(path)
        print(f"{name:<22} {first}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from sweeps.search.schedulers import rungs
    from sweeps.search.space import count_trials, describe_space
    from sweeps.spec.model import load_spec

    spec = load_spec(args.spec, parse_overrides(args.overrides))
    print(f"{spec.name}: valid, {count_trials(spec)} trials "
          f"({spec.search['scheduler']}, metric {spec.metric} {spec.mode}, {spec.max_epochs} epochs at most)")
    from sweeps.preflight import describe_data, with_data
    from sweeps.trial.data import load_data

    data = load_data(spec.data, spec.family, spec.base)
    spec = with_data(spec, data)
    source = f"load {spec.data['load']}" if spec.data.get("load") else spec.data["dataset"]
    model = f"build {spec.build}" if spec.build else spec.family
    print(f"data: {source}, model: {model}")
    for line in describe_data(spec, data):
        print(line)
    for line in describe_space(spec):
        print(f"  {line}")
    if rungs(spec):
        print(f"rungs at epochs: {', '.join(map(str, rungs(spec)))}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from sweeps.runner import run

    _quiet_ray_console()
    outcome = run(args.spec, results=args.storage or args.results, address=args.address,
                  max_concurrent=args.max_concurrent, overwrite=args.overwrite,
                  overrides=parse_overrides(args.overrides), progress=not args.quiet)
    _print_outcome(outcome)
    return 0


def _resume(args: argparse.Namespace) -> int:
    from sweeps.runner import resume

    _quiet_ray_console()
    _print_outcome(resume(args.folder, address=args.address, progress=not args.quiet))
    return 0


def _status(args: argparse.Namespace) -> int:
    from sweeps.progress import describe_choice, describe_trial
    from sweeps.runner import status

    info = status(args.folder)
    state = "finished" if info["finished"] else "not finished"
    print(f"{info['name']} ({state}): {info['total']} trials, {info['epochs']} epochs stored")
    for name, count in info["counts"].items():
        if count:
            print(f"  {name:<14} {count}")
    pending = info["total"] - sum(info["counts"].values())
    if pending > 0:
        print(f"  {'not started':<14} {pending}")
    best = info["best"]
    if best:
        print(f"best: {describe_choice(best, info['metric'], info['axes'])}")
        print(f"  best {info['metric']}: {best['best_' + info['metric']]:.4f} at epoch {best['best_epoch']} "
              f"({describe_trial(best)}, trial {best['trial_id']})")
    return 0


def _report(args: argparse.Namespace) -> int:
    import analysis

    try:
        index = analysis.write_report([Path(f) for f in args.folders], Path(args.out) if args.out else None)
    except (FileNotFoundError, NotADirectoryError, ValueError) as exc:
        raise SpecError(str(exc)) from None
    print(f"report: {index}")
    return 0


def _print_outcome(outcome: Any) -> None:
    from sweeps.progress import describe_choice

    counts = ", ".join(f"{n} {s}" for s, n in outcome.counts.items() if n)
    print(f"\nresults: {outcome.folder}  ({outcome.seconds:.0f} s; {counts})")
    if outcome.chosen is None:
        print("no trial produced a finite metric; nothing was chosen")
        return
    best = outcome.chosen
    metric = outcome.metric
    print(f"best: {describe_choice(best, metric, outcome.axes)}")
    print(f"  validation {metric}: {best['best_' + metric]:.4f} at epoch {best['best_epoch']}"
          + (f" (trial {best['trial_id']}, its best repeat)" if len(best.get("trial_ids") or ()) > 1 else ""))
    for key, value in outcome.test_metrics.items():
        print(f"  held-out {key}: {value:.4f}")
    for line in _baseline_lines(outcome.folder):
        print(f"  {line}")


def _baseline_lines(folder: Path | str) -> list[str]:
    """The report's verdict against the baselines, with intervals, so the console and the report agree."""
    if not isinstance(folder, Path):
        return []
    import analysis

    found = analysis.answer(analysis.load(folder))
    lines = [found.baseline_line] if found.baseline_line else []
    return lines + [f"baseline: {i.text}" for i in found.improvements
                    if i.split == "test" and i.text not in found.baseline_line]


def _schema(args: argparse.Namespace) -> int:
    import json

    from sweeps.spec.schema import spec_schema

    print(json.dumps(spec_schema(), indent=2))
    return 0


def _quiet_ray_console() -> None:
    """Ray Tune's own tables would interleave with our progress line."""
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


_COMMANDS = {"list": _list, "validate": _validate, "run": _run, "resume": _resume, "status": _status,
             "report": _report, "schema": _schema}

if __name__ == "__main__":
    sys.exit(main())
