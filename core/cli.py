"""The headless CLI: ``python -m core train MODEL [--steps N | --seconds S] [--seed K] [--out F.npz] [--start trained]``,
and ``python -m core arena [--data D] [--seconds S | --steps N] [--seed K]``: every generative family on one 2D
target with one budget each, one JSON line per family (core/arena.py).

Every model module of ``core`` that defines ``CLI_MODELS = {name: CliModel(...)}`` is found here,
so a new model needs no edit of this file. Each field of the model's config dataclass becomes an
option ``--field-name value`` (tuples as comma lists: ``--hidden 16,16``). The model trains
through the same ``Run`` bookkeeping the workers use (budget, divergence, history), stepped here in
the CLI's own process; the last line printed is one JSON object with
``steps``, ``seconds``, ``steps_per_s``, ``state`` and the model's final metrics. ``--out`` writes
an ``.npz`` with the metric history (``history_step``, ``history_<metric>``) and the model's arrays.
``--start trained`` starts from the model's shipped checkpoint (``core/checkpoints.py``; with ``--steps 0``
it only judges it); ``--save-checkpoint F.pt`` writes the trained weights as one.
Exit status: 0 when training ended normally, 2 when it diverged or failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import pkgutil
import sys
import time
import typing
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import core
from core import checkpoints
from core.errors import GenLabError
from core.runner import FINISHED, IDLE, PAUSED, Run


@dataclass(frozen=True)
class CliModel:
    config: type  # a dataclass whose fields are the model's options
    make_trainer: Callable[[Any], Any]  # config -> Trainer
    final_metrics: Callable[[Any], dict[str, Any]]  # trainer -> JSON-ready metrics
    arrays: Callable[[Any], dict[str, np.ndarray]] | None = None  # trainer -> arrays for --out
    default_steps: int = 1000
    help: str = ""


def discover() -> dict[str, CliModel]:
    models: dict[str, CliModel] = {}
    for info in pkgutil.iter_modules(core.__path__):
        if info.name.startswith("_") or info.name == "cli":
            continue
        module = importlib.import_module(f"core.{info.name}")
        models.update(getattr(module, "CLI_MODELS", {}))
    return dict(sorted(models.items()))


def _parse_value(kind: Any, text: str) -> Any:
    origin = typing.get_origin(kind)
    if origin is tuple:
        (item, *_rest) = typing.get_args(kind)
        return tuple(_parse_value(item, t) for t in text.split(",") if t.strip())
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise argparse.ArgumentTypeError(f"not a yes/no value: {text}")
    if kind in (int, float, str):
        return kind(text)
    return text


def _add_config_options(parser: argparse.ArgumentParser, config: type) -> None:
    hints = typing.get_type_hints(config)
    for field in dataclasses.fields(config):
        kind = hints[field.name]
        default = field.default
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
        parser.add_argument(
            f"--{field.name.replace('_', '-')}",
            dest=field.name,
            type=lambda text, kind=kind: _parse_value(kind, text),
            default=default,
            help=f"(default: {shown})",
        )


def train(name: str, model: CliModel, args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, np.ndarray], int]:
    """Train until the step budget or the time limit; return (summary, arrays for --out, exit code)."""
    options = {f.name: getattr(args, f.name) for f in dataclasses.fields(model.config)}
    cfg = model.config(**options)
    trainer = model.make_trainer(cfg)
    if getattr(args, "cli_start", "scratch") == "trained":
        checkpoints.load_into(trainer, name)
    steps = args.steps if args.steps is not None else (None if args.seconds else model.default_steps)
    job = Run(trainer, max_steps=steps, history_capacity=5000)
    t0 = time.perf_counter()
    if steps != 0:  # --steps 0: judge the model as it is (a shipped checkpoint, say)
        job.start()
    deadline = t0 + args.seconds if args.seconds else None
    while job.active:
        if deadline and time.perf_counter() >= deadline:
            job.pause()
            break
        job.run_slice(0.1)
    seconds = time.perf_counter() - t0
    summary: dict[str, Any] = {
        "model": name,
        "state": FINISHED if job.state in (IDLE, PAUSED, FINISHED) else job.state,
        "steps": job.step_count,
        "seconds": round(seconds, 3),
        "steps_per_s": round(job.step_count / seconds, 1) if seconds > 0 else 0.0,
    }
    if job.message and job.state != FINISHED:
        summary["message"] = job.message
    if getattr(args, "cli_start", "scratch") != "scratch":
        summary["start"] = args.cli_start
    ok = job.state in (IDLE, PAUSED, FINISHED)
    if ok:
        summary.update(model.final_metrics(trainer))
    arrays = {f"history_{k}": v for k, v in job.history.columns().items()}
    if ok and model.arrays is not None:
        arrays.update(model.arrays(trainer))
    if ok and getattr(args, "cli_save_checkpoint", None):
        checkpoints.save(trainer, name, args.cli_save_checkpoint)
    return summary, arrays, 0 if ok else 2


def run_arena(args: argparse.Namespace) -> int:
    """``python -m core arena``: train every family to its budget, print the leaderboard as JSON lines."""
    from core import arena

    try:
        rows = arena.run(arena.config_from(args))
    except (GenLabError, ValueError) as err:  # bad options: one line, no traceback
        print(json.dumps({"arena": "failed", "message": str(err)}))
        return 2
    for row in rows:
        print(json.dumps(row, default=float))
    return 0 if all(row["state"] == arena.DONE for row in rows) else 2


def main(argv: list[str] | None = None) -> int:
    from core.nets import training_thread

    training_thread()  # as in a worker: one torch thread, denormals flushed
    models = discover()
    parser = argparse.ArgumentParser(prog="python -m core", description="Train GenLab's models headless.")
    sub = parser.add_subparsers(dest="command", required=True)
    train_parser = sub.add_parser("train", help="train one model")
    per_model = train_parser.add_subparsers(dest="cli_model", required=True)  # not "model": a config may have that field
    for name, model in models.items():
        p = per_model.add_parser(name, help=model.help, description=model.help)
        p.add_argument("--steps", type=int, default=None, help=f"step budget (default {model.default_steps})")
        p.add_argument("--seconds", type=float, default=None, help="time limit in seconds")
        p.add_argument("--out", default=None, help="write the metric history and arrays to this .npz")
        p.add_argument("--start", dest="cli_start", choices=("scratch", "trained"), default="scratch",
                       help="start from fresh weights or from the shipped checkpoint (assets/checkpoints)")
        p.add_argument("--save-checkpoint", dest="cli_save_checkpoint", default=None,
                       help="write the trained weights to this .pt (plain tensors)")
        _add_config_options(p, model.config)
    sub.add_parser("list", help="list the models")
    from core import arena  # here: its families' modules import CliModel from this module

    arena_parser = sub.add_parser("arena", help="every generative family on one 2D target, one budget each: "
                                                "one JSON line per family")
    arena.add_arguments(arena_parser)
    args = parser.parse_args(argv)
    if args.command == "arena":
        return run_arena(args)
    if args.command == "list":
        for name, model in models.items():
            print(f"{name:12s} {model.help}")
        return 0
    try:
        summary, arrays, code = train(args.cli_model, models[args.cli_model], args)
    except (GenLabError, ValueError) as err:  # bad options: one line, no traceback
        print(json.dumps({"model": args.cli_model, "state": "failed", "message": str(err)}))
        return 2
    if args.out:
        np.savez_compressed(args.out, **arrays)
    print(json.dumps(summary, default=float))
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
