"""The VAE's network: the encoder q_φ(z|x), the decoder p_θ(x|z), the ELBO's two terms and the
importance-sampled estimate of log p_θ(x) (the equations are in core/vae.py's docstring)."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from core.nets import mlp

LOG_STD_MIN, LOG_STD_MAX = -7.0, 2.0  # clamp of log σ in encoder and decoder (numerical safety)


class VAE(nn.Module):
    """Encoder x -> (μ, log σ) of q(z|x); decoder z -> mean / logits of p(x|z); learned decoder log σ."""

    def __init__(self, dim: int, latent: int, hidden: tuple[int, ...], activation: str, decoder: str):
        super().__init__()
        self.latent, self.decoder_kind = latent, decoder
        self.encoder = mlp((dim, *hidden, 2 * latent), activation)  # -> (μ, log σ)
        self.decoder = mlp((latent, *reversed(hidden), dim), activation)
        # Gaussian decoder: one std per output coordinate, learned (σ-VAE); unused for Bernoulli
        self.dec_log_std = nn.Parameter(torch.full((dim,), math.log(0.3)))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)  # (B, 2L)
        mu, log_std = h[:, : self.latent], h[:, self.latent:]
        return mu, log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)  # (B, L), (B, L)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Logits (Bernoulli) or mean (Gaussian) of p(x|z), (B, d)."""
        return self.decoder(z)

    def mean(self, z: torch.Tensor) -> torch.Tensor:
        """E[x|z] in model units, (B, d)."""
        out = self.decode(z)
        return torch.sigmoid(out) if self.decoder_kind == "bernoulli" else out

    def recon_nll(self, x: torch.Tensor, out: torch.Tensor) -> torch.Tensor:
        """−log p(x|z) per example, summed over coordinates, (B,)."""
        if self.decoder_kind == "bernoulli":
            return F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(1)
        log_std = self.dec_log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)  # (d,)
        z = (x - out) * torch.exp(-log_std)
        return (0.5 * z**2 + log_std + 0.5 * math.log(2 * math.pi)).sum(1)

    @staticmethod
    def kl(mu: torch.Tensor, log_std: torch.Tensor) -> torch.Tensor:
        """KL(N(μ, σ²) ‖ N(0, I)) per example, (B,)."""
        return 0.5 * (mu**2 + torch.exp(2 * log_std) - 1 - 2 * log_std).sum(1)

    def log_weights(self, x: torch.Tensor, k: int, gen: torch.Generator | None = None) -> torch.Tensor:
        """(k, B) importance log-weights log p_θ(x|z) + log p(z) − log q_φ(z|x) at k draws z ~ q_φ(z|x)."""
        mu, log_std = self.encode(x)  # (B, L)
        eps = torch.randn((k, *mu.shape), generator=gen)  # (k, B, L)
        z = mu + torch.exp(log_std) * eps  # (k, B, L)
        log_lik = -self.recon_nll(x.repeat(k, 1), self.decode(z.reshape(-1, self.latent))).reshape(k, -1)
        half_log_2pi = 0.5 * math.log(2 * math.pi)
        log_prior = (-0.5 * z**2 - half_log_2pi).sum(-1)  # (k, B)
        log_q = (-0.5 * eps**2 - log_std - half_log_2pi).sum(-1)  # (k, B)
        return log_lik + log_prior - log_q

    def importance_log_p(self, x: torch.Tensor, k: int, gen: torch.Generator | None = None) -> torch.Tensor:
        """(B,) log p̂_k(x) = log (1/k) Σ_i w_i: an importance-sampled estimate of log p_θ(x) whose
        expectation is the IWAE bound (Burda et al. 2016): ELBO = E log p̂_1 ≤ E log p̂_k ≤ log p_θ(x),
        rising with k towards log p_θ(x)."""
        return torch.logsumexp(self.log_weights(x, k, gen), 0) - math.log(k)

    def loss_parts(self, x: torch.Tensor, gen: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(recon (B,), kl (B,)) with one reparameterised draw z = μ + σ·ε."""
        mu, log_std = self.encode(x)
        eps = torch.randn(mu.shape, generator=gen)  # (B, L)
        z = mu + torch.exp(log_std) * eps
        return self.recon_nll(x, self.decode(z)), self.kl(mu, log_std)
