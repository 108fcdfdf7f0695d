"""Flow matching: a velocity field whose flow carries noise to data.

The lecture's model (Lipman et al. 2023, "Flow matching for generative modeling"; Liu et al. 2023,
"Flow straight and fast"; Tong et al. 2024, "Improving and generalizing flow-based generative
models with minibatch optimal transport"):

- the straight conditional path ``x_t = (1 - t)·x₀ + t·x₁`` from noise ``x₀ ~ π = N(0, I)`` at
  ``t = 0`` to data ``x₁ ~ p_data`` at ``t = 1``; its conditional velocity is ``x₁ - x₀``;
- the conditional flow matching loss ``L(θ) = E_{t, x₀, x₁} |v_θ(t, x_t) - (x₁ - x₀)|²``, whose
  minimiser is the marginal velocity ``u_t(x) = E[x₁ - x₀ | x_t = x]`` (closed form for
  Gaussian mixtures: ``core.gmm_exact.flow_velocity``);
- optionally the minibatch optimal-transport pairing: within each batch, the noise points are
  re-ordered to the assignment that minimises ``Σ|x₀ - x₁|²``, which straightens the paths
  (core/transport.py, which also measures how straight the sampled paths are);
- sampling solves the ODE ``dφ_t/dt = v_θ(t, φ_t)``, ``φ_0 ~ π``, with Euler, midpoint or RK4 at
  a budget of network evaluations (NFE). The race against diffusion at equal NFE is
  core/flow_vs_diffusion.py.

The data are standardised inside with one mean per coordinate and ONE scale for both
coordinates (core/targets2d.Standardiser), so an isotropic mixture stays isotropic and the exact
field stays exact in the model's coordinates. Samples, trajectories and fields are returned in data units; the velocity
in data units is ``scale · v_θ``. An exponential moving average of the weights (EMA) draws the
samples, which steadies their quality from checkpoint to checkpoint.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from core import gmm_exact, replay
from core.errors import ConfigError
from core.ode import SOLVERS, integrate, steps_for_nfe
from core.nets import EMA, adam, cosine_lr, parameter_count, set_lr
from core.replay import REPLAY_POINTS
from core.sample_metrics import sample_report
from core.targets2d import Standardiser, Target2D, load_target, standardise
from core.transport import minibatch_ot_pairing, straightness

FIELD_GRID = 15  # arrows on a FIELD_GRID x FIELD_GRID grid
N_PATHS = 64  # particles whose trajectories are drawn
POOL = 20_000  # training points drawn once from a built-in target
FIRST_LOOK = 100  # the first measurement of the samples, before the first eval_every


@dataclass(frozen=True)
class FlowConfig:
    data: str = "ring"  # a name of core.targets2d, or the path of a CSV of 2D points
    spread: float = 0.0  # std of each mode (or noise) in data units; 0 = the target's default
    ot: bool = False  # minibatch optimal-transport pairing of noise and data
    width: int = 128
    depth: int = 3
    n_fourier: int = 32  # random Fourier features of x (0 = none)
    x_scale: float = 5.0  # their frequency scale, in standardised units
    lr: float = 0.002
    lr_decay_steps: int = 25_000  # cosine decay of the learning rate to 5 % over these steps (0 = constant)
    batch_size: int = 256
    ema: float = 0.999  # EMA decay of the weights that sample (0 = none)
    seed: int = 0
    solver: str = "euler"
    sample_steps: int = 100  # ODE steps (NFE = steps x evaluations per step)
    eval_every: int = 500  # steps between two sample-quality measurements (0 = never: a caller measures)
    eval_samples: int = 1000

    def validate(self) -> None:
        if self.solver not in SOLVERS:
            raise ConfigError(f"Unknown solver '{self.solver}': choose one of {', '.join(SOLVERS)}.")
        if not 1 <= self.depth <= 6 or not 4 <= self.width <= 512:
            raise ConfigError("Use 1 to 6 hidden layers of 4 to 512 units.")
        if not 0 <= self.n_fourier <= 256 or not (0 < self.x_scale < 1e3):
            raise ConfigError("Use 0 to 256 Fourier features with a positive scale.")
        if not (self.lr > 0 and math.isfinite(self.lr)) or not 2 <= self.batch_size <= 4096:
            raise ConfigError("The learning rate must be positive and the batch size between 2 and 4096.")
        if not 0.0 <= self.ema < 1.0:
            raise ConfigError("The EMA decay must lie in [0, 1).")
        if not 1 <= self.sample_steps <= 1000 or self.eval_every < 0 or self.eval_samples < 10:
            raise ConfigError("Use 1 to 1000 sampling steps, eval_every >= 0 and at least 10 eval samples.")


# --------------------------------------------------------------------------- the network


class VelocityMLP(nn.Module):
    """v_θ(t, x): a SiLU MLP of x, random Fourier features of x and sin/cos features of t.

    The Fourier features ``sin(Bx), cos(Bx)`` with a fixed random ``B ~ N(0, x_scale²)``
    (Tancik et al., 2020) let a small MLP draw the sharp field near t = 1 around many small modes
    (the 25-mode grid learns several times faster); ``n_fourier = 0`` gives the plain MLP of (x, t).
    """

    T_FREQS = (1.0, 2.0, 4.0, 8.0)

    def __init__(self, width: int = 128, depth: int = 3, n_fourier: int = 32, x_scale: float = 5.0, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("B", torch.randn(2, n_fourier, generator=g) * x_scale)  # (2, M) fixed
        self.register_buffer("t_freqs", torch.tensor(self.T_FREQS) * math.pi)
        n_in = 2 + 2 * n_fourier + 1 + 2 * len(self.T_FREQS)
        layers: list[nn.Module] = []
        for _ in range(depth):
            layers += [nn.Linear(n_in, width), nn.SiLU()]
            n_in = width
        layers.append(nn.Linear(n_in, 2))
        self.net = nn.Sequential(*layers)

    def forward(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        t = torch.as_tensor(t, dtype=x.dtype).reshape(-1, 1).expand(len(x), 1)  # (n, 1)
        angles = t * self.t_freqs.to(x.dtype)  # (n, 4)
        proj = x @ self.B.to(x.dtype)  # (n, M)
        feats = [x, torch.sin(proj), torch.cos(proj), t, torch.sin(angles), torch.cos(angles)]
        return self.net(torch.cat(feats, 1))  # (n, 2)


# --------------------------------------------------------------------------- trainer


class FlowTrainer:
    divergence_advice = "The learning rate is too large: lower it (it applies at once) and press Reset."

    def __init__(self, cfg: FlowConfig, target: Target2D | None = None):
        cfg.validate()
        self.cfg = cfg
        self.target = target if target is not None else load_target(cfg.data, cfg.spread or None)  # spread 0: the target's default
        torch.manual_seed(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)

        data = self.target.points if self.target.points is not None else self.target.sample(POOL, seed=cfg.seed)
        self.data = np.asarray(data, dtype=np.float64)  # (N, 2) data units
        _, mean, std = standardise(self.data)  # scale √(mean std²); Standardiser.fit's √(mean var) may
        self.std = Standardiser(mean, float(np.sqrt(np.mean(std**2))))  # differ in the last bit
        self.pool = torch.from_numpy(self.std.to_model(self.data).astype(np.float32))  # (N, 2)
        self.reference = self.target.sample(2000, seed=cfg.seed + 1)  # for the metrics, data units
        self.exact_mixture = self.std.mixture(self.target) if self.target.is_mixture else None

        self.model = VelocityMLP(cfg.width, cfg.depth, cfg.n_fourier, cfg.x_scale, cfg.seed)
        self.ema = EMA(self.model, cfg.ema, warmup=True)
        self.opt = adam(self.model.parameters(), cfg.lr)
        self.lr = cfg.lr
        self.steps = 0
        self.evaluation: dict[str, float] = {}
        self.last_loss = float("nan")
        # what the page views; changed live by set_view without retraining
        self.t_view = 0.5
        self.solver = cfg.solver
        self.n_steps = cfg.sample_steps
        self._cache: dict[str, np.ndarray] = {}
        self._noise = torch.randn(cfg.eval_samples, 2, generator=torch.Generator().manual_seed(cfg.seed + 2))
        self._grid = self._make_grid()

    # ------------------------------------------------------------------ settings applied live

    def set_lr(self, lr: float) -> None:
        self.lr = lr
        set_lr(self.opt, lr)

    def set_view(self, t: float | None = None, solver: str | None = None, nfe: int | None = None) -> None:
        """The t of the drawn field, the solver and the NFE budget; samples are redrawn if needed."""
        if t is not None:
            self.t_view = float(min(max(t, 0.0), 0.99))
        solver = self.solver if solver is None else solver
        if solver not in SOLVERS:
            raise ConfigError(f"Unknown solver '{solver}'.")
        steps = steps_for_nfe(nfe, solver) if nfe is not None else self.n_steps
        changed = (solver, steps) != (self.solver, self.n_steps)
        self.solver, self.n_steps = solver, steps
        if changed and self.steps:
            self.evaluation = self.evaluate()

    def set_live(self, lr: float | None = None, t: float | None = None, solver: str | None = None,
                 nfe: int | None = None) -> None:
        """The settings a page changes without a reset: the learning rate and the view (t, solver, NFE)."""
        if lr is not None:
            self.set_lr(lr)
        self.set_view(t, solver, nfe)

    @property
    def nfe(self) -> int:
        return self.n_steps * SOLVERS[self.solver]

    # ------------------------------------------------------------------ training

    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(x0 noise (B, 2), x1 data (B, 2)), paired by minibatch OT if cfg.ot."""
        idx = torch.randint(0, len(self.pool), (self.cfg.batch_size,), generator=self.gen)
        x1 = self.pool[idx]
        x0 = torch.randn(x1.shape, generator=self.gen)
        if self.cfg.ot:
            x0 = x0[torch.from_numpy(minibatch_ot_pairing(x0.numpy(), x1.numpy()))]
        return x0, x1

    def step(self) -> dict[str, float]:
        x0, x1 = self.batch()
        set_lr(self.opt, cosine_lr(self.steps, self.lr, self.cfg.lr_decay_steps))
        t = torch.rand(len(x1), 1, generator=self.gen)  # (B, 1)
        xt = (1 - t) * x0 + t * x1  # (B, 2) the straight conditional path
        loss = ((self.model(t, xt) - (x1 - x0)) ** 2).sum(1).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.steps += 1
        self.last_loss = loss.item()
        self.ema.update(self.model, self.steps)
        if self.cfg.eval_every and (self.steps % self.cfg.eval_every == 0 or self.steps == FIRST_LOOK):
            self.evaluation = self.evaluate()
        return {"loss": self.last_loss, **self.evaluation}

    # ------------------------------------------------------------------ sampling (data units)

    def velocity(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return self.ema.model(t, x)

    @torch.no_grad()
    def sample(self, n: int | None = None, steps: int | None = None, solver: str | None = None,
               seed: int | None = None, keep_path: bool = False, noise: torch.Tensor | None = None):
        """Samples (n, 2) in data units, and their paths (steps + 1, n, 2) in data units if asked."""
        if noise is None:
            g = torch.Generator().manual_seed(self.cfg.seed + 3 if seed is None else seed)
            noise = torch.randn(n or self.cfg.eval_samples, 2, generator=g)
        x, path = integrate(self.velocity, noise, steps or self.n_steps, solver or self.solver, keep_path=keep_path)
        x = self.std.to_data(x.numpy())
        return (x, self.std.to_data(path.numpy())) if keep_path else x

    QUERIES = ("trajectory",)

    @torch.no_grad()
    def trajectory(self, n: int = REPLAY_POINTS) -> dict[str, Any]:
        """The flow from noise (t = 0) to data (t = 1) with the page's solver and steps, for a replay."""
        _, path = self.sample(n, seed=21, keep_path=True)
        return replay.frames(path, np.linspace(0.0, 1.0, len(path)), "t", self.data)

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Sample quality and straightness with the current solver and NFE; caches the pictures."""
        x, path = self.sample(noise=self._noise, keep_path=True)
        report = sample_report(x, self.target, reference=self.reference, seed=self.cfg.seed)
        st = straightness(path)
        self._cache = {"samples": x, "paths": path[:, :N_PATHS].copy()}
        return {"energy": report["energy"], **st,
                **{k: report[k] for k in ("modes_captured", "high_quality") if k in report}}

    def final_metrics(self, n: int = 2000) -> dict[str, float]:
        t0 = time.perf_counter()
        x, path = self.sample(n, keep_path=True, seed=self.cfg.seed + 4)
        seconds = time.perf_counter() - t0
        out = sample_report(x, self.target, reference=self.reference, seed=self.cfg.seed)
        out.update(straightness(path))
        out.update({"nfe": self.nfe, "solver": self.solver, "sample_seconds": round(seconds, 4),
                    "final_loss": self.last_loss})
        return out

    # ------------------------------------------------------------------ fields

    def _make_grid(self) -> np.ndarray:
        lo, hi = np.percentile(self.data, 0.5, axis=0), np.percentile(self.data, 99.5, axis=0)
        centre, half = (lo + hi) / 2, (hi - lo).max() / 2 * 1.2
        g = np.linspace(-half, half, FIELD_GRID)
        return np.stack(np.meshgrid(centre[0] + g, centre[1] + g), -1).reshape(-1, 2)  # (G², 2)

    @torch.no_grad()
    def learned_velocity(self, x: np.ndarray, t: float) -> np.ndarray:
        """v_θ(t, x) in data units at points x (n, 2) in data units."""
        xm = torch.from_numpy(self.std.to_model(x).astype(np.float32))
        return self.velocity(torch.tensor(float(t)), xm).numpy().astype(np.float64) * self.std.scale

    def exact_velocity(self, x: np.ndarray, t: float) -> np.ndarray | None:
        """u_t(x) of the independent pairing in data units (Gaussian-mixture targets only)."""
        if self.exact_mixture is None:
            return None
        return gmm_exact.flow_velocity(self.std.to_model(x), self.exact_mixture, t) * self.std.scale

    def field_error(self, t: float, n: int = 2000, seed: int = 0) -> float:
        """E|v_θ - u_t|² / E|u_t|² over x ~ p_t (independent pairing): 0 = exact, 1 = as bad as v = 0."""
        if self.exact_mixture is None:
            raise ValueError("the exact field is known for Gaussian-mixture targets only")
        rng = np.random.default_rng(seed)
        x1 = self.std.to_model(self.target.sample(n, rng=rng))
        xt = (1 - t) * rng.standard_normal(x1.shape) + t * x1  # (n, 2) model units
        x = self.std.to_data(xt)
        diff = self.learned_velocity(x, t) - self.exact_velocity(x, t)
        return float((diff**2).sum(1).mean() / (self.exact_velocity(x, t) ** 2).sum(1).mean())

    def snapshot(self) -> dict[str, Any]:
        snap = {
            "grid": self._grid.copy(),
            "learned": self.learned_velocity(self._grid, self.t_view),
            "t": np.array(self.t_view),
            "nfe": np.array(self.nfe),
            "solver": self.solver,  # of the samples and paths being measured
            "eval_every": self.cfg.eval_every,
            "data": self.data[:1000].copy(),
        }
        exact = self.exact_velocity(self._grid, self.t_view)
        if exact is not None:
            snap["exact"] = exact
            snap["modes"] = self.target.modes.copy()
        snap.update({k: v.copy() for k, v in self._cache.items()})
        return snap

    def parameter_count(self) -> int:
        return parameter_count(self.model)


# --------------------------------------------------------------------------- CLI


def _cli_arrays(trainer: FlowTrainer) -> dict[str, np.ndarray]:
    x, path = trainer.sample(2000, keep_path=True, seed=trainer.cfg.seed + 4)
    return {"samples": x, "trajectories": path[:, :N_PATHS], "data": trainer.data[:2000]}


def _cli_models():
    from core.cli import CliModel

    return {
        "flow": CliModel(
            config=FlowConfig,
            make_trainer=FlowTrainer,
            final_metrics=FlowTrainer.final_metrics,
            arrays=_cli_arrays,
            default_steps=25_000,
            help="conditional flow matching on a 2D target (straight path, optional minibatch OT)",
        )
    }


CLI_MODELS = _cli_models()
