"""The arena: every generative family on the same data, with the same budget, measured one way.

The lecture's claim is a comparison: a Gaussian mixture fitted by EM is quick but coarse, GANs are
sharp but drop modes, VAEs are stable but blurry, score models, diffusion and flow matching are best
but need many network evaluations per sample. :class:`ArenaTrainer` trains all seven families of
the course on one 2D target (or an uploaded CSV), as ONE run of the shared training service:

- **One budget each**, CPU seconds (``time.process_time`` around each family's own ``step()``) or
  steps, the config's choice. Each ``step()`` of the arena gives one *quantum* to the family
  furthest behind: one step of it (a step budget), or steps until its CPU time reaches the next
  multiple of ``quantum`` seconds (a time budget). So the families advance together, each within one
  quantum of the others, and each arena step costs about one quantum: the worker's round-robin stays
  fair to the other students' runs. The arena is done when every family has used its budget.
- **One yardstick** (core/sample_metrics.py), at ``measurements`` points of each family's own
  budget, denser early (quanta ⌈units·(i/N)²⌉, and the first): ``n_samples`` samples from fixed noise are
  measured against one held-out set of the target (core/gan_vs_vae.reference): normalised energy
  distance, and for Gaussian mixtures modes captured, high-quality share and reverse KL over modes.
  Measuring is not training: its time is not charged to the budget, but the time to draw the samples
  is reported (CPU seconds per 1,000 samples), with the network evaluations (NFE) one sample costs.
- **Each family alone**: every family has its own trainer, seed and random generators, so its row
  depends on its own run only (tests/test_arena.py trains a family alone and in the arena).
  A family that diverges (a non-finite loss or non-finite samples) or fails stops and is marked so
  in the table; the others go on.

The families, their recommended settings and their samplers are core/arena_families.py: EM
(core/gmm.py), an energy model with Langevin sampling (core/energy.py), a GAN (core/gan.py), a VAE
(core/vae.py), a score model with annealed Langevin (core/score.py), DDPM (core/diffusion.py) and
flow matching with Euler steps (core/flow.py). ``sampling="few"`` samples the iterative ones with
about ``few_nfe`` network evaluations instead (a live setting: the same trained models, re-measured).

CLI: ``python -m core arena --data ring --seconds 20`` prints one JSON line per family (core/cli.py).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.arena_families import build_family
from core.errors import ConfigError
from core.gan_vs_vae import reference
from core.runner import one_line
from core.sample_metrics import sample_report
from core.targets2d import Target2D, load_target

FAMILIES = ("gmm", "energy", "gan", "vae", "score", "ddpm", "flow")
LABELS = {
    "gmm": "Gaussian mixture (EM)",
    "energy": "Energy model (Langevin)",
    "gan": "GAN",
    "vae": "VAE",
    "score": "Score model (annealed Langevin)",
    "ddpm": "Diffusion (DDPM)",
    "flow": "Flow matching",
}
BUDGET_KINDS = ("seconds", "steps")
SAMPLINGS = ("standard", "few")
TRAINING, DONE, DIVERGED, FAILED = "training", "done", "diverged", "failed"
SHOWN = 600  # samples per family in a snapshot


@dataclass(frozen=True)
class ArenaConfig:
    data: str = "ring"  # a name of core.targets2d, or the path of a CSV of 2D points (a page passes its target)
    spread: float = 0.0  # std of each mode / noise in data units; 0 = the target's default
    budget_kind: str = "seconds"  # "seconds" (CPU seconds of training per family) or "steps" (per family)
    budget: float = 20.0
    sampling: str = "standard"  # "standard" (each family's own sampler) or "few" (about few_nfe evaluations)
    few_nfe: int = 10
    families: tuple[str, ...] = FAMILIES
    measurements: int = 20  # quality measured at this many points of each family's budget (denser early)
    n_samples: int = 1000  # samples per measurement
    quantum: float = 0.02  # CPU seconds a family trains per arena step (time budget)
    gmm_k: int = 10  # components of the mixture (the same for every target: EM is not told the answer)
    seed: int = 0

    def validate(self) -> None:
        if self.budget_kind not in BUDGET_KINDS:
            raise ConfigError(f"The budget is counted in {' or '.join(BUDGET_KINDS)}, not {self.budget_kind!r}.")
        top = 3600.0 if self.budget_kind == "seconds" else 1_000_000
        if not (math.isfinite(self.budget) and 0 < self.budget <= top):
            raise ConfigError(f"The budget must lie in (0, {top:,.0f}] {self.budget_kind}.")
        if self.sampling not in SAMPLINGS:
            raise ConfigError(f"Sampling is {' or '.join(SAMPLINGS)}, not {self.sampling!r}.")
        if not 1 <= self.few_nfe <= 1000:
            raise ConfigError("Use 1 to 1,000 network evaluations for few-step sampling.")
        unknown = [f for f in self.families if f not in FAMILIES]
        if unknown or not self.families or len(set(self.families)) != len(self.families):
            raise ConfigError(f"Choose families among {', '.join(FAMILIES)}, each once (got {', '.join(self.families)}).")
        if not 1 <= self.measurements <= 200 or not 10 <= self.n_samples <= 10_000:
            raise ConfigError("Use 1 to 200 measurements of 10 to 10,000 samples each.")
        if not 0.001 <= self.quantum <= 1.0 or not 1 <= self.gmm_k <= 10:
            raise ConfigError("Use a quantum of 0.001 to 1 s and 1 to 10 mixture components.")

    @property
    def units(self) -> int:
        """Quanta of each family's budget: its steps, or its seconds in quanta."""
        if self.budget_kind == "steps":
            return max(1, int(round(self.budget)))
        return max(1, math.ceil(self.budget / self.quantum - 1e-9))


# =============================================================================== one family's race


class Entrant:
    """One family in the arena: its trainer, what it has used of its budget, its last measurement."""

    def __init__(self, name: str, family: Any):
        self.name, self.family = name, family
        self.units = 0  # quanta given
        self.steps = 0  # its own training steps
        self.seconds = 0.0  # CPU seconds inside its own step()
        self.state, self.message = TRAINING, ""
        self.samples: np.ndarray | None = None  # (n, 2) of the last good measurement
        self.report: dict[str, float] = {}
        self.sample_s = math.nan  # CPU seconds per 1,000 samples
        self.nfe = 0
        self.measured = 0  # checkpoints passed
        self.history: dict[str, list[float]] = {}

    def train_step(self) -> None:
        """One step of the family, timed in CPU seconds; a non-finite loss or an error stops it."""
        t0 = time.process_time()
        try:
            metrics = self.family.step()
        except Exception as err:  # a family's failure ends that family, never the arena
            self.seconds += time.process_time() - t0
            self.state, self.message = FAILED, f"failed at step {self.steps + 1:,}: {one_line(err)}"
            return
        self.seconds += time.process_time() - t0
        self.steps += 1
        bad = [k for k, v in metrics.items() if not math.isfinite(v)]
        if bad:
            self.state, self.message = DIVERGED, f"diverged at step {self.steps:,}: {bad[0]} became {metrics[bad[0]]}"

    def used(self, kind: str) -> float:
        return self.seconds if kind == "seconds" else float(self.steps)


# =============================================================================== the arena


class ArenaTrainer:
    """All families on one target, one quantum of budget at a time to the one furthest behind."""

    divergence_advice = "A family diverged: it stops, the others go on."

    def __init__(self, cfg: ArenaConfig, target: Target2D | None = None):
        cfg.validate()
        self.cfg = cfg
        self.target = target if target is not None else load_target(cfg.data, cfg.spread or None)
        self.reference = reference(self.target)  # (2000, 2) held out: the same for every family
        self.entrants = [Entrant(name, build_family(name, self.target, cfg.seed, cfg.gmm_k)) for name in cfg.families]
        self.units = cfg.units
        self.few = cfg.sampling == "few"
        # measured after quanta ⌈units·(i/N)²⌉, i = 1..N (and after the first): often early, where the pictures
        # change fast (the live view moves at once), rarely late; the last at the end of the budget
        n = cfg.measurements
        self.checkpoints = sorted({1, *(math.ceil(self.units * (i / n) ** 2 - 1e-9) for i in range(1, n + 1))})

    # ------------------------------------------------------------------ stepping

    @property
    def done(self) -> bool:
        return all(e.state != TRAINING for e in self.entrants)

    def step(self) -> dict[str, float]:
        """One quantum for the family that has had the fewest (ties: the lecture's order)."""
        racing = [e for e in self.entrants if e.state == TRAINING]
        if racing:
            e = min(racing, key=lambda e: e.units)
            if self.cfg.budget_kind == "steps":
                e.train_step()
            else:  # train until its CPU time reaches the next multiple of the quantum (overshoot carries over)
                until = (e.units + 1) * self.cfg.quantum
                while e.state == TRAINING and e.seconds < until:
                    e.train_step()
            e.units += 1
            if e.state == TRAINING and e.measured < len(self.checkpoints) and e.units >= self.checkpoints[e.measured]:
                while e.measured < len(self.checkpoints) and e.units >= self.checkpoints[e.measured]:
                    e.measured += 1
                self.measure(e)
            if e.state == TRAINING and e.units >= self.units:
                e.state = DONE
        return self.metrics()

    def metrics(self) -> dict[str, float]:
        """Finite numbers only (the run stops on a non-finite metric): the budget used and each energy."""
        out = {"racing": float(sum(e.state == TRAINING for e in self.entrants)),
               "budget_used": float(np.mean([min(e.units / self.units, 1.0) for e in self.entrants]))}
        for e in self.entrants:
            value = e.report.get("energy", math.inf)
            if math.isfinite(value):
                out[f"{e.name}_energy"] = value
        return out

    # ------------------------------------------------------------------ measuring

    def sample(self, e: Entrant) -> tuple[np.ndarray, int, float]:
        """(n, 2) samples of ``e`` from fixed noise, NFE per sample, CPU seconds per 1,000 samples."""
        n = self.cfg.n_samples
        t0 = time.process_time()
        x, nfe = e.family.sample(n, self.cfg.seed + 1, self.cfg.few_nfe if self.few else None)
        return np.asarray(x, dtype=np.float64), int(nfe), (time.process_time() - t0) * 1000.0 / n

    def measure(self, e: Entrant, record: bool = True) -> None:
        try:
            x, nfe, sample_s = self.sample(e)
        except Exception as err:
            e.state, e.message = FAILED, f"failed to sample after {e.steps:,} steps: {one_line(err)}"
            return
        if not np.isfinite(x).all():
            e.state, e.message = DIVERGED, f"diverged at step {e.steps:,}: its samples became NaN or infinite"
            return
        report = sample_report(x, self.target, reference=self.reference, seed=self.cfg.seed)
        e.samples, e.report, e.nfe, e.sample_s = x, report, nfe, sample_s
        if record:
            row = {"budget": e.used(self.cfg.budget_kind), "steps": float(e.steps), "seconds": e.seconds,
                   **{k: float(report[k]) for k in ("energy", "modes_captured", "high_quality", "reverse_kl")
                      if k in report}}
            for k, v in row.items():
                e.history.setdefault(k, []).append(v)

    def set_live(self, sampling: str | None = None) -> None:
        """Sample with each family's own sampler ("standard") or with few network evaluations ("few"):
        the same trained models, re-measured at once (the history keeps what was measured before)."""
        if sampling is None or (sampling == "few") == self.few:
            return
        if sampling not in SAMPLINGS:
            raise ConfigError(f"Sampling is {' or '.join(SAMPLINGS)}, not {sampling!r}.")
        self.few = sampling == "few"
        for e in self.entrants:
            if e.state in (TRAINING, DONE) and e.samples is not None:
                self.measure(e, record=False)

    # ------------------------------------------------------------------ reading

    def rows(self) -> list[dict[str, Any]]:
        """The leaderboard: one JSON-ready row per family (None where nothing was measured yet)."""
        mixture = self.target.is_mixture
        out = []
        for e in self.entrants:
            r = e.report
            row: dict[str, Any] = {"family": e.name, "label": LABELS[e.name], "state": e.state}
            if e.message:
                row["message"] = e.message
            if mixture:
                row["modes_captured"] = int(r["modes_captured"]) if r else None
                row["n_modes"] = len(self.target.modes)
                row["high_quality"] = round(r["high_quality"], 4) if r else None
                row["reverse_kl"] = round(r["reverse_kl"], 4) if r else None
            row["energy"] = round(r["energy"], 4) if r else None
            row.update(train_seconds=round(e.seconds, 3), train_steps=e.steps,
                       sample_seconds_per_1000=round(e.sample_s, 4) if r else None, nfe=e.nfe if r else None)
            out.append(row)
        return out

    def snapshot(self) -> dict[str, Any]:
        snap: dict[str, Any] = {
            "families": [e.name for e in self.entrants],
            "labels": [LABELS[e.name] for e in self.entrants],
            "rows": self.rows(),
            # nested: a diverged family's NaN never reaches the run's check of the snapshot's own arrays
            "samples": {e.name: e.samples[:SHOWN].copy() for e in self.entrants if e.samples is not None},
            "history": {e.name: {k: np.asarray(v) for k, v in e.history.items()} for e in self.entrants},
            "reference": self.reference[:SHOWN].copy(),
            "budget_kind": self.cfg.budget_kind,
            "budget": float(self.cfg.budget),
            "sampling": "few" if self.few else "standard",
        }
        if self.target.is_mixture:
            snap["modes"] = self.target.modes.copy()  # (K, 2)
        return snap

    def final_metrics(self) -> dict[str, Any]:
        """The CLI's summary line (``python -m core train arena``): each family's numbers, prefixed."""
        return {f"{row['family']}_{k}": v for row in self.rows() for k, v in row.items()
                if k not in ("family", "label") and v is not None}


# =============================================================================== CLI


def add_arguments(parser: Any) -> None:
    """``python -m core arena``'s options (core/cli.py)."""
    parser.add_argument("--data", default="ring", help="a 2D target (ring, grid, moons, ...) or a CSV of points")
    parser.add_argument("--spread", type=float, default=0.0, help="std of each mode / noise (0: the target's default)")
    parser.add_argument("--seconds", type=float, default=None, help="CPU seconds of training per family (default 20)")
    parser.add_argument("--steps", type=int, default=None, help="training steps per family (instead of seconds)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sampling", choices=SAMPLINGS, default="standard",
                        help="few: sample the iterative families with about --few-nfe network evaluations")
    parser.add_argument("--few-nfe", type=int, default=10)
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma list (default: all seven)")


def config_from(args: Any) -> ArenaConfig:
    if args.steps is not None and args.seconds is not None:
        raise ConfigError("Give --seconds or --steps, not both.")
    kind, budget = ("steps", float(args.steps)) if args.steps is not None else ("seconds", args.seconds or 20.0)
    families = tuple(f.strip() for f in args.families.split(",") if f.strip())
    return ArenaConfig(data=args.data, spread=args.spread, budget_kind=kind, budget=budget, sampling=args.sampling,
                       few_nfe=args.few_nfe, families=families, seed=args.seed)


def run(cfg: ArenaConfig, target: Target2D | None = None) -> list[dict[str, Any]]:
    """Train the arena to the end of every family's budget; the leaderboard's rows."""
    arena = ArenaTrainer(cfg, target)
    while not arena.done:
        arena.step()
    return arena.rows()


def _cli_models():
    from core.cli import CliModel

    return {
        "arena": CliModel(
            config=ArenaConfig,
            make_trainer=ArenaTrainer,
            final_metrics=ArenaTrainer.final_metrics,
            default_steps=10**9,  # until every family has used its budget
            help="every generative family on one 2D target with one budget each (see also: python -m core arena)",
        )
    }


CLI_MODELS = _cli_models()
