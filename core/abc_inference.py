"""Estimating a simulator's parameters: approximate Bayesian computation (ABC) by rejection.

A simulator is a generative model whose likelihood nobody can write down, yet it can be run. Here an
epidemic in a town of ``population`` people (a stochastic SIR model, day by day): each day every
susceptible person is infected with probability ``1 − exp(−β·I/N)`` and every infected one recovers
with probability ``1 − exp(−γ)``; we observe the daily new cases of one outbreak, made with the true
``(β, γ)``. Which parameters made it? Rejection ABC (Tavaré et al. 1997; Beaumont et al. 2002):

1. draw ``θ = (β, γ)`` from the prior (uniform over a box);
2. run the simulator with ``θ`` and compare its daily cases with the observed ones:
   ``d = √(mean_t (√cases_t − √observed_t)²)`` (square roots steady the counts' noise);
3. keep the ``keep`` parameters with the smallest distance so far: as simulations accumulate the
   kept set shrinks towards the posterior ``p(θ | observed)``, and its mean is the estimate.

Each trainer step runs ``batch`` simulations at once (vectorised over θ). The early growth rate
``r = β − γ`` (cases grow like ``e^{r·t}`` while almost everybody is susceptible) is pinned down far
better than β and γ apart: the kept cloud is a ridge along ``β = γ + r``, a lesson of
simulation-based inference (not every parameter is identifiable from one outbreak). Measured with
the defaults after 40,000 simulations: β = 0.395 ± 0.085, γ = 0.132 ± 0.079, r = 0.263 ± 0.027
(true 0.4, 0.15, 0.25).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.errors import ConfigError

PRIOR = {"beta": (0.05, 1.0), "gamma": (0.02, 0.5)}  # the uniform prior's box
N_SHOWN = 20  # simulated outbreaks of kept parameters shown beside the observed one


@dataclass(frozen=True)
class AbcConfig:
    beta: float = 0.4  # true infection rate (per day)
    gamma: float = 0.15  # true recovery rate (per day)
    population: int = 1000
    days: int = 60
    initial: int = 5  # infected on day 0
    batch: int = 200  # simulations per step
    keep: int = 100  # parameters kept (the closest so far)
    seed: int = 0

    def validate(self) -> None:
        (b0, b1), (g0, g1) = PRIOR["beta"], PRIOR["gamma"]
        if not (b0 <= self.beta <= b1 and g0 <= self.gamma <= g1):
            raise ConfigError(f"Choose β in [{b0}, {b1}] and γ in [{g0}, {g1}] (the prior's box).")
        if not 100 <= self.population <= 100_000 or not 10 <= self.days <= 365:
            raise ConfigError("Use a town of 100 to 100,000 people and 10 to 365 days.")
        if not 1 <= self.initial < self.population:
            raise ConfigError("Start with at least one infected person, fewer than the whole town.")
        if not 1 <= self.batch <= 5000 or not 1 <= self.keep <= 10_000:
            raise ConfigError("Use 1 to 5,000 simulations per step and keep 1 to 10,000.")


def simulate(beta: np.ndarray, gamma: np.ndarray, cfg: AbcConfig, rng: np.random.Generator) -> np.ndarray:
    """Daily new cases (B, days) of B outbreaks with parameters ``beta`` (B,) and ``gamma`` (B,)."""
    n = cfg.population
    s = np.full(len(beta), n - cfg.initial, dtype=np.int64)  # (B,) susceptible
    i = np.full(len(beta), cfg.initial, dtype=np.int64)  # (B,) infected
    cases = np.zeros((len(beta), cfg.days))
    p_recover = 1.0 - np.exp(-gamma)  # (B,)
    for day in range(cfg.days):
        new = rng.binomial(s, 1.0 - np.exp(-beta * i / n))
        recovered = rng.binomial(i, p_recover)
        s, i = s - new, i + new - recovered
        cases[:, day] = new
    return cases


def distance(cases: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """(B,) root mean square gap between √cases (B, days) and √observed (days,)."""
    return np.sqrt(np.mean((np.sqrt(cases) - np.sqrt(observed)) ** 2, axis=1))


class AbcTrainer:
    divergence_advice = "Press Reset."

    def __init__(self, cfg: AbcConfig):
        cfg.validate()
        self.cfg = cfg
        self.rng = np.random.default_rng(cfg.seed)
        truth = np.array([cfg.beta]), np.array([cfg.gamma])
        self.observed = simulate(*truth, cfg, np.random.default_rng(cfg.seed + 10_000))[0]  # (days,)
        self.theta = np.zeros((0, 2))  # (k, 2) kept (β, γ), closest first
        self.dist = np.zeros(0)  # (k,)
        self.kept_cases = np.zeros((0, cfg.days))  # (k, days)
        self.simulations = 0

    def step(self) -> dict[str, float]:
        cfg = self.cfg
        (b0, b1), (g0, g1) = PRIOR["beta"], PRIOR["gamma"]
        beta = self.rng.uniform(b0, b1, cfg.batch)
        gamma = self.rng.uniform(g0, g1, cfg.batch)
        cases = simulate(beta, gamma, cfg, self.rng)
        theta = np.concatenate([self.theta, np.stack([beta, gamma], 1)])
        dist = np.concatenate([self.dist, distance(cases, self.observed)])
        everything = np.concatenate([self.kept_cases, cases])
        order = np.argsort(dist, kind="stable")[:cfg.keep]
        self.theta, self.dist, self.kept_cases = theta[order], dist[order], everything[order]
        self.simulations += cfg.batch
        return self.estimate()

    def estimate(self) -> dict[str, float]:
        beta, gamma = self.theta[:, 0], self.theta[:, 1]
        growth = beta - gamma  # the early growth rate r
        return {"beta": float(beta.mean()), "gamma": float(gamma.mean()), "growth": float(growth.mean()),
                "beta_sd": float(beta.std()), "gamma_sd": float(gamma.std()), "growth_sd": float(growth.std()),
                "tolerance": float(self.dist[-1]), "simulations": float(self.simulations)}

    def snapshot(self) -> dict[str, np.ndarray]:
        return {"theta": self.theta.copy(), "dist": self.dist.copy(), "observed": self.observed.copy(),
                "kept_cases": self.kept_cases[:N_SHOWN].copy(),
                "truth": np.array([self.cfg.beta, self.cfg.gamma]),
                "prior": np.array([PRIOR["beta"], PRIOR["gamma"]]), "simulations": float(self.simulations)}

    def final_metrics(self) -> dict[str, float]:
        return self.estimate()


def _cli_models():
    from core.cli import CliModel

    return {"abc": CliModel(config=AbcConfig, make_trainer=AbcTrainer, final_metrics=AbcTrainer.final_metrics,
                            default_steps=200, help="simulator parameters by approximate Bayesian computation")}


CLI_MODELS = _cli_models()
