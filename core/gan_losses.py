"""The GAN's four games: what D and G each minimise, from D's raw outputs (logits).

With the original value function ``V(G, D) = E_x[log D(x)] + E_z[log(1 − D(G(z)))]`` D ascends V and
G descends it (Goodfellow 2014); the variants change the losses, not the players:

- ``minimax``: G minimises log(1 − D(G(z))): the original game, whose gradient vanishes (saturates)
  while D wins, i.e. early in training.
- ``nonsat``: G maximises log D(G(z)) instead (the non-saturating loss everyone uses).
- ``lsgan``: least squares (Mao 2017), D → 1 on data and 0 on generated points, G pushes D(G(z)) → 1.
- ``wgan-gp``: D is a critic f with E f(real) − E f(fake) maximised (Gulrajani 2017); the gradient
  penalty λ·(‖∇f‖ − 1)² at random interpolates is added by the trainer (core/gan.py); G minimises
  −E f(G(z)).

D's output is a logit: D(x) = sigmoid(l), so log D = −softplus(−l) and log(1 − D) = −softplus(l),
computed stably.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

LOSSES = {
    "nonsat": "Non-saturating",
    "minimax": "Original min-max",
    "wgan-gp": "Wasserstein + gradient penalty",
    "lsgan": "Least squares",
}


def logit_losses(loss: str, real: torch.Tensor | None, fake: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(D's loss, G's loss) from D's raw outputs on real (may be None) and generated packs."""
    if loss in ("nonsat", "minimax"):  # D(x) = sigmoid(output); log D = -softplus(-l), log(1-D) = -softplus(l)
        g = F.softplus(-fake).mean() if loss == "nonsat" else -F.softplus(fake).mean()
        d = F.softplus(fake).mean() + (F.softplus(-real).mean() if real is not None else 0.0)
    elif loss == "lsgan":
        g = 0.5 * ((fake - 1) ** 2).mean()
        d = 0.5 * (fake ** 2).mean() + (0.5 * ((real - 1) ** 2).mean() if real is not None else 0.0)
    else:  # wgan-gp critic (the penalty is added by the trainer)
        g = -fake.mean()
        d = fake.mean() - (real.mean() if real is not None else 0.0)
    return d, g
