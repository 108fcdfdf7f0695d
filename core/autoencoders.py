"""A bank of auto-encoders, one per latent size, trained together on the 8x8 digits or 2D points, in torch.

An **auto-encoder** (Rumelhart, Hinton & Williams 1986; Hinton & Salakhutdinov 2006, "Reducing the
dimensionality of data with neural networks") squeezes x through a code of k numbers: an encoder
``E`` maps ``x`` to ``z = E(x)``, a decoder ``D`` maps it back, and both minimise the
reconstruction error::

    L(θ) = (1/n) Σ_i ‖x_i − D(E(x_i))‖²

(here the mean over coordinates too: MSE per coordinate, in model units). With a linear E and D
the best code spans the top-k principal components; the smaller k, the larger the error.

:class:`AETrainer` trains a *bank* of auto-encoders, one per latent size in ``AEConfig.sizes``,
together on the same minibatches: one batched network (:class:`AEBank` of :class:`BatchedLinear`
layers) whose member i keeps only the first ``sizes[i]`` code units, so the curve "error against
latent size" grows live. An auto-encoder has no prior over its codes: ``sample`` decodes codes
drawn from a Gaussian fitted to the training codes, the naive way to make it generate (and why a
VAE, core/vae.py, is needed).

Data (core/vectors.py): ``data="digits"`` (pixels in [0, 1], decoded through a sigmoid), a name of
core/targets2d.py or a CSV path of 2D points (standardised; latent sizes above 2 are dropped).

Public API (the auto-encoder page uses it): ``AETrainer(AEConfig(...), target=None)``: ``step()``,
``snapshot()``, ``evaluate()``, ``test_errors()``, ``final_metrics()``, ``sample(n, seed=None)`` in
data units, ``set_live(latent=..., lr=...)`` (the shown latent size and the learning rate).

CLI: ``python -m core train ae --data digits|ring|…|PATH.csv --seconds S --seed K --out run.npz``
(``--n-samples``, default 2000; the ``.npz`` holds ``sizes``, ``test_mse`` and ``samples`` in data units).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from core.errors import ConfigError
from core.nets import ACTIVATIONS, adam, check_activation, check_hidden, positive, set_lr
from core.targets2d import Target2D
from core.vectors import DIGITS, N_PRIOR, VectorData, load_vectors


@dataclass(frozen=True)
class AEConfig:
    data: str = DIGITS
    spread: float = 0.0
    latent: int = 8  # the auto-encoder whose reconstructions are shown and sampled (one of ``sizes``)
    sizes: tuple[int, ...] = (1, 2, 4, 8, 16, 32)  # latent sizes of the bank (2D data: sizes <= 2 kept)
    hidden: tuple[int, ...] = (128,)
    activation: str = "relu"
    lr: float = 0.003
    batch_size: int = 128
    seed: int = 0
    eval_every: int = 50
    n_samples: int = 2000

    def validate(self) -> None:
        if not self.sizes or any(not 1 <= k <= 64 for k in self.sizes) or len(self.sizes) > 12:
            raise ConfigError("Give 1 to 12 latent sizes between 1 and 64.")
        if not 1 <= self.latent <= 64:
            raise ConfigError("Use a latent size between 1 and 64.")
        check_hidden(self.hidden, 4, 512)
        check_activation(self.activation)
        if not positive(self.lr):
            raise ConfigError("The learning rate must be positive.")
        if self.batch_size < 1 or self.n_samples < 1 or self.eval_every < 1:
            raise ConfigError("Batch size, number of samples and evaluation interval must be positive.")
        if not (self.spread >= 0 and math.isfinite(self.spread)):
            raise ConfigError("The spread must be a non-negative number (0 = the target's default).")


class BatchedLinear(nn.Module):
    """M independent linear layers applied at once: (M, B, n_in) -> (M, B, n_out)."""

    def __init__(self, m: int, n_in: int, n_out: int):
        super().__init__()
        bound = 1 / math.sqrt(n_in)  # nn.Linear's default initialisation
        self.weight = nn.Parameter(torch.empty(m, n_in, n_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(m, 1, n_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)


class AEBank(nn.Module):
    """One auto-encoder per latent size, as one batched network.

    Every AE has a code of ``max(sizes)`` units of which only the first k are kept (the rest are
    multiplied by 0), so AE number i is exactly an auto-encoder with latent size ``sizes[i]``: the
    masked units pass nothing forward and their weights get no gradient. Adam treats each weight
    on its own, so the AEs do not interact; they only share minibatches.
    """

    def __init__(self, dim: int, sizes: tuple[int, ...], hidden: tuple[int, ...], activation: str, sigmoid: bool):
        super().__init__()
        m, top = len(sizes), max(sizes)
        widths_enc = (dim, *hidden, top)
        widths_dec = (top, *reversed(hidden), dim)
        self.enc = nn.ModuleList(BatchedLinear(m, a, b) for a, b in zip(widths_enc[:-1], widths_enc[1:]))
        self.dec = nn.ModuleList(BatchedLinear(m, a, b) for a, b in zip(widths_dec[:-1], widths_dec[1:]))
        self.act = ACTIVATIONS[activation]()
        self.sigmoid = sigmoid
        mask = torch.zeros(m, 1, top)
        for i, k in enumerate(sizes):
            mask[i, :, :k] = 1.0
        self.register_buffer("mask", mask)  # (M, 1, top)

    def _mlp(self, layers: nn.ModuleList, h: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(layers):
            h = layer(h)
            if i < len(layers) - 1:
                h = self.act(h)
        return h

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, d) or (M, B, d) -> codes (M, B, top), zero beyond each AE's latent size."""
        if x.dim() == 2:
            x = x.expand(len(self.mask), *x.shape)
        return self._mlp(self.enc, x) * self.mask

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        out = self._mlp(self.dec, z * self.mask)  # (M, B, d)
        return torch.sigmoid(out) if self.sigmoid else out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class AETrainer:
    """A bank of auto-encoders, one per latent size, trained together (one minibatch per step).

    Metrics: ``loss`` (mean training MSE over the bank), ``mse`` (training MSE of the shown AE),
    and every ``eval_every`` steps ``test_mse_<k>`` for each latent size k and ``test_mse`` of the
    shown AE. MSE is per coordinate in model units ([0, 1] pixels, or standardised 2D points).
    """

    divergence_advice = "The learning rate is too large: lower it and press Reset."

    def __init__(self, cfg: AEConfig, target: Target2D | None = None, data: VectorData | None = None):
        cfg.validate()
        self.cfg = cfg
        self.data = data if data is not None else load_vectors(cfg.data, cfg.spread, cfg.seed, target)
        sizes = tuple(sorted({k for k in cfg.sizes if k <= self.data.dim} | {min(cfg.latent, self.data.dim)}))
        self.sizes = sizes
        torch.manual_seed(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.model = AEBank(self.data.dim, sizes, cfg.hidden, cfg.activation, sigmoid=self.data.is_digits)
        self.opt = adam(self.model.parameters(), cfg.lr)
        self.X_train = torch.from_numpy(self.data.x_train)
        self.X_test = torch.from_numpy(self.data.x_test)
        self.shown = sizes.index(min(cfg.latent, self.data.dim))
        self.steps = 0
        self.evaluation: dict[str, float] = {}
        self._shown_idx = self.data.shown()  # the test examples a snapshot draws

    def set_latent(self, latent: int) -> None:
        """Show (and sample) another AE of the bank, without a reset."""
        k = min(int(latent), self.data.dim)
        if k in self.sizes:
            self.shown = self.sizes.index(k)

    def set_lr(self, lr: float) -> None:
        set_lr(self.opt, lr)

    def set_live(self, latent: int | None = None, lr: float | None = None) -> None:
        """The settings a page changes without a reset: the shown latent size and the learning rate."""
        if latent is not None:
            self.set_latent(latent)
        if lr is not None:
            self.set_lr(lr)

    @property
    def latent(self) -> int:
        return self.sizes[self.shown]

    def step(self) -> dict[str, float]:
        n = len(self.X_train)
        idx = torch.randint(0, n, (min(self.cfg.batch_size, n),), generator=self.gen)
        x = self.X_train[idx]  # (B, d)
        per_ae = ((self.model(x) - x) ** 2).mean(dim=(1, 2))  # (M,) MSE of each AE
        loss = per_ae.sum()  # the sum: each AE gets its own full gradient
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.steps += 1
        if self.steps == 1 or self.steps % self.cfg.eval_every == 0:
            self.evaluation = self.evaluate()
        return {"loss": per_ae.mean().item(), "mse": per_ae[self.shown].item(), **self.evaluation}

    @torch.no_grad()
    def test_errors(self) -> np.ndarray:
        """(M,) test MSE of each AE of the bank, in the order of ``self.sizes``."""
        return ((self.model(self.X_test) - self.X_test) ** 2).mean(dim=(1, 2)).numpy().astype(np.float64)

    def evaluate(self) -> dict[str, float]:
        err = self.test_errors()
        out = {f"test_mse_{k}": float(e) for k, e in zip(self.sizes, err)}
        out["test_mse"] = float(err[self.shown])
        return out

    @torch.no_grad()
    def _codes(self) -> torch.Tensor:
        return self.model.encode(self.X_train)[self.shown][:, : self.latent]  # (n, k)

    @torch.no_grad()
    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """Decode n codes drawn from a Gaussian fitted to the shown AE's training codes (data units).

        An AE has no prior: this is the naive way to make it generate, and shows why a VAE is
        needed (codes off the data's code cloud decode to nonsense)."""
        codes = self._codes().double()  # (n_train, k)
        mean = codes.mean(0)
        cov = torch.atleast_2d(torch.cov(codes.T)) + 1e-6 * torch.eye(codes.shape[1], dtype=torch.float64)
        chol = torch.linalg.cholesky(cov)
        gen = torch.Generator().manual_seed(self.cfg.seed + 1 if seed is None else seed)
        eps = torch.randn((int(n), codes.shape[1]), generator=gen, dtype=torch.float64)
        z = torch.zeros((int(n), max(self.sizes)))
        z[:, : self.latent] = (mean + eps @ chol.T).float()
        x = self.model.decode(z.expand(len(self.sizes), *z.shape))[self.shown]
        return self.data.to_data_units(x.numpy().astype(np.float64))

    @torch.no_grad()
    def snapshot(self) -> dict[str, Any]:
        x = self.X_test[self._shown_idx]  # (s, d)
        recons = self.model(x)  # (M, s, d)
        snap = {
            "is_digits": self.data.is_digits,
            "sizes": np.array(self.sizes),
            "test_mse": self.test_errors(),  # (M,)
            "latent": np.array(self.latent),
            "inputs": self.data.to_data_units(x.numpy()),  # (s, d) data units
            "recons": self.data.to_data_units(recons[self.shown].numpy()),  # (s, d) of the shown AE
            "recons_all": self.data.to_data_units(recons.numpy()),  # (M, s, d): every latent size
        }
        if self.data.is_digits:
            snap["samples"] = self.sample(N_PRIOR, seed=1234 + self.cfg.seed)  # (16, 64) pixels 0..16
        else:
            snap["labels"] = self.data.y_test[self._shown_idx].copy()
            snap["angle"] = np.arctan2(x[:, 1], x[:, 0]).numpy().copy()
            snap["codes"] = self.model.encode(x)[self.shown][:, : self.latent].numpy().copy()
        return snap

    def final_metrics(self) -> dict[str, float]:
        return {**self.evaluate(), "latent": float(self.latent)}


# --------------------------------------------------------------------------- CLI


def _ae_arrays(trainer: AETrainer) -> dict[str, np.ndarray]:
    snap = trainer.snapshot()
    out = {k: snap[k] for k in ("sizes", "test_mse", "inputs", "recons")}
    out["samples"] = trainer.sample(trainer.cfg.n_samples)
    return out


def _cli_models():
    from core.cli import CliModel

    return {
        "ae": CliModel(
            config=AEConfig,
            make_trainer=AETrainer,
            final_metrics=AETrainer.final_metrics,
            arrays=_ae_arrays,
            default_steps=3000,
            help="a bank of auto-encoders, one per latent size (reconstruction error against latent size)",
        ),
    }


CLI_MODELS = _cli_models()
