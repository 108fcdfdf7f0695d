"""How much faster do the models train with Adam's fused update (``core.nets.adam``) than with PyTorch's default?

Every CLI model that trains with Adam (``python -m core train MODEL``), at its default settings, built twice
from the same seed: once as GenLab builds it (fused Adam) and once with each of its optimisers rebuilt on the
same parameter groups with PyTorch's default single-tensor update. Their ``step()`` loops are timed in
interleaved rounds in one run (one torch thread, denormals flushed, as in a worker); prints steps per second and
the ratio fused / default for each model.

    python bench/bench_optimizer.py [--rounds 5] [--seconds 1.0] [--models classify,gan,...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from core.cli import discover  # noqa: E402
from core.nets import training_thread  # noqa: E402


def optimisers(trainer: object) -> dict[str, torch.optim.Optimizer | dict]:
    """The trainer's attributes that hold an optimiser (or a dict of them)."""
    found = {}
    for name, value in vars(trainer).items():
        if isinstance(value, torch.optim.Optimizer) or (
                isinstance(value, dict) and value and all(isinstance(v, torch.optim.Optimizer) for v in value.values())):
            found[name] = value
    return found


def unfused(opt: torch.optim.Optimizer) -> torch.optim.Optimizer:
    """The same optimiser class on the same parameter groups and settings, with PyTorch's default update."""
    return type(opt)([dict(group, fused=None, foreach=False) for group in opt.param_groups])


def with_default_update(trainer: object) -> bool:
    """Swap every fused Adam of the trainer for the default update; False if it has none."""
    swapped = []

    def default(opt: torch.optim.Optimizer) -> torch.optim.Optimizer:
        if not opt.defaults.get("fused"):
            return opt
        swapped.append(opt)
        return unfused(opt)

    for name, value in optimisers(trainer).items():
        setattr(trainer, name, {k: default(o) for k, o in value.items()} if isinstance(value, dict) else default(value))
    return bool(swapped)


def rate(trainer: object, seconds: float) -> float:
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        trainer.step()
        steps += 1
    return steps / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="length of one timed stretch")
    parser.add_argument("--models", default="", help="comma-separated CLI model names (default: every Adam model)")
    args = parser.parse_args()
    training_thread()
    models = discover()
    names = [n for n in args.models.split(",") if n] or [n for n in models if n != "arena"]
    print(f"torch {torch.__version__}, 1 thread; {args.rounds} interleaved rounds of {args.seconds:.1f} s per model")
    print(f"{'model':10s} {'default Adam':>13s} {'fused Adam':>11s} {'fused / default':>16s}")
    for name in names:
        model = models[name]
        fused, default = model.make_trainer(model.config()), model.make_trainer(model.config())
        if not with_default_update(default):
            continue  # no Adam here (SGD, closed forms, no training)
        rates: dict[str, list[float]] = {"default": [], "fused": []}
        for trainer in (default, fused):
            rate(trainer, 0.2)  # warm-up
        for r in range(args.rounds):
            for key in (("default", "fused") if r % 2 == 0 else ("fused", "default")):
                rates[key].append(rate(default if key == "default" else fused, args.seconds))
        d, f = max(rates["default"]), max(rates["fused"])  # best round of each (as timeit advises)
        print(f"{name:10s} {d:9.0f} /s {f:7.0f} /s {f / d:12.2f}x", flush=True)


if __name__ == "__main__":
    main()
