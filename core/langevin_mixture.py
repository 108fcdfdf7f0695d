"""Why Langevin dynamics needs annealing: the weights of a mixture (after Song & Ermon, 2019, fig. 3).

The data law is the two-component mixture ``p = π₁ N(μ₁, I) + π₂ N(μ₂, I)`` with modes far apart
(μ₁ = (−5, −5), μ₂ = (5, 5)) and unequal weights (0.2 and 0.8). Its score is exact
(``core.gmm_exact.score``), so nothing is trained and every sample here is exact up to the sampler.

- **Langevin dynamics at one small noise level** σ: ``x ← x + (α/2)·∇ₓ log p_σ(x) + √α·z``. Far from
  both modes the score of the sum is dominated by the nearer component, whatever its weight; a
  particle falls into the basin it starts in and never crosses the empty region between the modes.
  The weights of the samples are those of the starting cloud's split, not π₁, π₂: the score
  ``∇ log p`` is blind to the weights away from where the components overlap.
- **Annealed Langevin dynamics**: the same steps at levels σ₁ > … > σ_L with ``α_i = ε·σ_i²/σ_L²``
  (as on the score page). At σ₁ = 20 the blurred mixture is one wide bump whose centre sits at the
  weighted mean of the modes; as σ shrinks the particles split between the modes in proportion to
  the weights, so the samples come out with the right weights.

Both start from the same uniform cloud on [−8, 8]², with the same number of score evaluations (L·T).
Annealing gets the weights right only if each level has time to share the particles out between the
modes: with T = 300 steps per level the heavy mode's share averages 0.78 over seeds 0..5 (0.76 to
0.80, n = 1,000); with T = 100, 0.77 (the particles freeze where the blurred components still
overlap). Plain Langevin gives 0.48 to 0.53: the share of the start cloud on each side.

:class:`LangevinMixtureTrainer` does the updates in chunks in a worker, so the score page shows the
particles split level by level; :func:`run` steps one to the end in one call (tests, benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import gmm_exact

MODES = np.array([[-5.0, -5.0], [5.0, 5.0]])
BOX = 8.0  # particles start uniform on [-BOX, BOX]²


@dataclass(frozen=True)
class LangevinMixtureConfig:
    weight: float = 0.8  # π₂, the weight of the mode at (5, 5); π₁ = 1 − π₂
    n: int = 1000  # particles
    seed: int = 0
    # plain Langevin: one small noise level σ, step α, L·T steps (as many as the annealed sampler)
    sigma: float = 0.1
    alpha: float = 0.1
    # annealed Langevin: L levels geometric from sigma_max to sigma (the same last level), T steps each
    n_levels: int = 10
    sigma_max: float = 20.0
    eps: float = 1e-3  # α_i = ε σ_i² / σ_L²
    steps_per_level: int = 300  # fewer leave the particles no time to share out at the levels that decide

    def mixture(self) -> gmm_exact.Mixture:
        if not 0.0 < self.weight < 1.0:
            raise ValueError("the weight must lie strictly between 0 and 1")
        return np.array([1.0 - self.weight, self.weight]), MODES.copy(), np.ones(2)

    def levels(self) -> np.ndarray:
        """(L,) σ_1 > … > σ_L, geometric, ending at the plain sampler's σ."""
        return np.geomspace(self.sigma_max, self.sigma, self.n_levels)


def langevin(x: np.ndarray, mixture: gmm_exact.Mixture, sigmas: np.ndarray, alphas: np.ndarray, steps: int,
             rng: np.random.Generator) -> np.ndarray:
    """For each level (σ, α): ``steps`` updates x ← x + (α/2)·∇ log p_σ(x) + √α·z with the exact score."""
    x = np.array(x, dtype=np.float64)  # (n, 2)
    for sigma, alpha in zip(sigmas, alphas):
        for _ in range(int(steps)):
            x += 0.5 * alpha * gmm_exact.score(x, mixture, 1.0, float(sigma)) + np.sqrt(alpha) * rng.standard_normal(x.shape)
    return x


def mode_weights(x: np.ndarray, mixture: gmm_exact.Mixture) -> np.ndarray:
    """(K,) the share of samples nearer (by posterior responsibility) to each component."""
    r = gmm_exact.responsibilities(x, mixture)  # (n, K)
    return np.bincount(r.argmax(1), minlength=r.shape[1]) / len(x)


def run(cfg: LangevinMixtureConfig = LangevinMixtureConfig()) -> dict[str, np.ndarray]:
    """Both samplers from the same start, to the end in one call (a :class:`LangevinMixtureTrainer` stepped
    until done); exact samples for reference; the measured weights of each."""
    trainer = LangevinMixtureTrainer(cfg, chunk=cfg.n_levels * cfg.steps_per_level)
    while not trainer.done:
        trainer.step()
    return {**trainer.snapshot(), "start": trainer.start, "alphas": trainer.alphas}


class LangevinMixtureTrainer:
    """Both samplers, plain and annealed, from the same start, advanced ``chunk`` updates per step in a
    worker, so a page watches the particles split between the modes level by level (and the server's page
    process does no sampling). Any chunk size gives the same particles. ``done`` after L·T updates each."""

    divergence_advice = "Press Reset."

    def __init__(self, cfg: LangevinMixtureConfig, chunk: int = 50):
        self.cfg, self.chunk = cfg, max(1, int(chunk))
        self.mixture = cfg.mixture()
        rng = np.random.default_rng(cfg.seed)
        self.start = rng.uniform(-BOX, BOX, size=(cfg.n, 2))
        self.exact = MODES[rng.choice(2, size=cfg.n, p=self.mixture[0])] + rng.standard_normal((cfg.n, 2))
        self.sigmas = cfg.levels()
        self.alphas = cfg.eps * self.sigmas**2 / self.sigmas[-1] ** 2
        self.total = cfg.n_levels * cfg.steps_per_level  # updates of each sampler
        self.plain, self.annealed = self.start.copy(), self.start.copy()
        self._rng_plain, self._rng_annealed = np.random.default_rng(cfg.seed + 1), np.random.default_rng(cfg.seed + 2)
        self.updates = 0

    @property
    def done(self) -> bool:
        return self.updates >= self.total

    @property
    def level(self) -> int:
        """The annealed sampler's current level (0-based)."""
        return min(self.updates // self.cfg.steps_per_level, self.cfg.n_levels - 1)

    def step(self) -> dict[str, float]:
        n = min(self.chunk, self.total - self.updates)
        while n > 0:  # never cross a level boundary inside one call of langevin()
            k = min(n, self.cfg.steps_per_level - self.updates % self.cfg.steps_per_level)
            i = self.level
            self.plain = langevin(self.plain, self.mixture, [self.cfg.sigma], [self.cfg.alpha], k, self._rng_plain)
            self.annealed = langevin(self.annealed, self.mixture, [self.sigmas[i]], [self.alphas[i]], k,
                                     self._rng_annealed)
            self.updates += k
            n -= k
        return {"weight_plain": float(mode_weights(self.plain, self.mixture)[1]),
                "weight_annealed": float(mode_weights(self.annealed, self.mixture)[1]),
                "sigma": float(self.sigmas[self.level])}

    def snapshot(self) -> dict[str, np.ndarray]:
        return {"exact": self.exact, "plain": self.plain.copy(), "annealed": self.annealed.copy(),
                "modes": MODES.copy(), "true_weights": self.mixture[0], "sigmas": self.sigmas,
                "weights_start": mode_weights(self.start, self.mixture),
                "weights_exact": mode_weights(self.exact, self.mixture),
                "weights_plain": mode_weights(self.plain, self.mixture),
                "weights_annealed": mode_weights(self.annealed, self.mixture),
                "updates": float(self.updates), "total": float(self.total), "level": float(self.level)}
