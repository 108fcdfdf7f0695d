"""Auto-encoders and variational auto-encoders (VAE) on the 8x8 digits and the 2D targets, in torch.

The lecture's models (Kingma & Welling 2014, "Auto-Encoding Variational Bayes"; β-VAE: Higgins
et al. 2017):

- **Auto-encoder**: an encoder ``E`` maps ``x`` to a code ``z = E(x)`` of ``latent`` numbers, a
  decoder ``D`` maps it back; both minimise the reconstruction error ``‖x − D(E(x))‖²``. The
  smaller the latent size, the larger the error: :class:`AETrainer` trains a *bank* of
  auto-encoders, one per latent size in ``AEConfig.sizes``, together on the same minibatches (one
  batched network, see :class:`AEBank`), so the curve "error against latent size" grows live.
- **VAE**: a Gaussian encoder ``q_φ(z|x) = N(μ_φ(x), diag σ_φ(x)²)``, the prior ``p(z) = N(0, I)``,
  a decoder ``p_θ(x|z)`` that is Gaussian (mean ``D(z)``, one learned std per output coordinate)
  or Bernoulli (pixel probabilities ``D(z)``, digits only). ``z = μ + σ·ε`` with ``ε ~ N(0, I)``
  (the reparameterisation: gradients flow to μ and σ). Loss per example, to minimise::

      L = E_q[−log p_θ(x|z)]  +  β · KL(q_φ(z|x) ‖ p(z))
          └ "recon" ┘             └ "kl" = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²)

  With β = 1 this is the negative ELBO (a bound on −log p_θ(x)).

Data: ``data="digits"`` (scikit-learn's 8x8 digits, pixels scaled to [0, 1], see core/digits.py),
a name of core/targets2d.py (``ring``, ``grid``, …; standardised inside the model) or a CSV path
of 2D points; a ready :class:`~core.targets2d.Target2D` (e.g. an upload) may be passed instead.

Public API (the GAN-against-VAE page uses it):

- ``VAETrainer(VAEConfig(...), target=None)``: ``step()``, ``snapshot()``, ``evaluate()``,
  ``final_metrics()``, ``set_live(beta=..., lr=...)`` (also ``set_lr(lr)``, ``set_beta(beta)``).
- ``trainer.sample(n, seed=None) -> np.ndarray``: n samples **in data units**: (n, 2) points for
  2D targets, or (n, 64) pixel intensities 0..16 for digits (as ``load_digits`` gives them).
  Module-level :func:`sample` does the same.
- ``AETrainer(AEConfig(...))``: the bank of auto-encoders (``set_live(latent=..., lr=...)``: the shown
  latent size and the learning rate); ``sample`` decodes codes drawn from a
  Gaussian fitted to the training codes (the naive way to make an AE generate).
- :func:`quality_report`: for digits the independent judge of core/digit_judge.py (logistic
  regression trained on the real digits: ``confident`` share, ``classes`` among them), for 2D
  targets ``sample_report`` of core/sample_metrics.py.

CLI: ``python -m core train vae|ae --data digits|ring|…|PATH.csv --seconds S --seed K --out run.npz``
(``--n-samples``, default 2000; the ``.npz`` holds ``samples`` in data units). The defaults are
the page's recommended preset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from core import digits as digits_data
from core.classify import ACTIVATIONS, build_mlp
from core.digit_judge import judge
from core.errors import ConfigError
from core.sample_metrics import sample_report
from core.targets2d import TARGET_NAMES, Target2D, load_target, standardise, unstandardise
from core.nets import parameter_count, set_lr

DIGITS = "digits"
DATA_NAMES = (DIGITS, *TARGET_NAMES)
DECODERS = ("auto", "bernoulli", "gaussian")  # auto: Bernoulli for digits, Gaussian for 2D points
N_SHOWN = 8  # digits shown with their reconstructions
N_PRIOR = 16  # prior samples in a digits snapshot
GRID = 11  # the decoded latent plane: GRID x GRID images
GRID_SPAN = 2.5  # ... over [-GRID_SPAN, GRID_SPAN]^2 of the latent plane
N_INTERP = 10  # images of an interpolation
INTERP_CLASSES = (2, 7)  # the interpolation goes from the first test 2 to the first test 7
N_POINTS_2D = 600  # data points drawn in a 2D snapshot (posterior means and spreads)
N_SAMPLES_2D = 1000  # prior samples drawn in a 2D snapshot
N_TRAIN_2D, N_TEST_2D = 4000, 1000  # 2D targets: fixed training and held-out sets
LOG_STD_MIN, LOG_STD_MAX = -7.0, 2.0  # clamp of log σ in encoder and decoder (numerical safety)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class VectorData:
    """Training and test vectors in the model's units, and how to get back to data units.

    Digits: x in [0, 1] (pixels / 16), labels 0..9. 2D targets: standardised x, labels = nearest
    mode for mixtures (else -1), ``mean``/``std`` to unstandardise.
    """

    kind: str  # "digits" or "points"
    x_train: np.ndarray  # (n, d) float32
    x_test: np.ndarray  # (m, d) float32
    y_test: np.ndarray  # (m,) int64, -1 where unknown
    mean: np.ndarray | None = None  # (d,) points only
    std: np.ndarray | None = None  # (d,)
    target: Target2D | None = None

    @property
    def dim(self) -> int:
        return self.x_train.shape[1]

    @property
    def is_digits(self) -> bool:
        return self.kind == DIGITS

    def to_data_units(self, x: np.ndarray) -> np.ndarray:
        """Model units -> data units: pixels 0..16 for digits, the target's coordinates for points."""
        if self.is_digits:
            return digits_data.to_pixels(x)
        return unstandardise(x, self.mean, self.std)


def load_vectors(data: str, spread: float = 0.0, seed: int = 0, target: Target2D | None = None) -> VectorData:
    """The data of a VAE/AE config. ``spread`` 0 = the target's default; ``target`` overrides ``data``."""
    if target is None and data == DIGITS:
        d = digits_data.load(seed=0)  # one split for every seed: test numbers stay comparable
        return VectorData(DIGITS, d.x_train, d.x_test, d.y_test)
    if target is None:
        target = load_target(data, spread if spread > 0 else None, others=(DIGITS,))  # spread 0: the default
    rng = np.random.default_rng(seed)
    x_train = target.sample(N_TRAIN_2D, rng=rng)  # (n, 2) data units
    x_test = target.sample(N_TEST_2D, rng=rng)
    z_train, mean, std = standardise(x_train)
    z_test = (x_test - mean) / std
    if target.is_mixture:
        y_test = np.linalg.norm(x_test[:, None] - target.modes[None], axis=-1).argmin(1)  # (m,) nearest mode
    else:
        y_test = np.full(len(x_test), -1)
    return VectorData("points", z_train.astype(np.float32), z_test.astype(np.float32), y_test.astype(np.int64),
                      mean, std, target)


# --------------------------------------------------------------------------- judging samples


def quality_report(samples: np.ndarray, data: VectorData) -> dict[str, float]:
    """Sample quality in data units. Digits: ``confident`` (share the independent judge of
    core/digit_judge.py recognises with P > 0.9) and ``classes`` (classes among those); 2D
    targets: ``sample_report`` (energy, and for mixtures modes_captured, high_quality, …)."""
    if data.is_digits:
        r = judge(samples)
        return {"confident": float(r["confident"]), "classes": float(r["classes"])}
    return sample_report(samples, data.target, reference=data.to_data_units(data.x_test))


# --------------------------------------------------------------------------- VAE


@dataclass(frozen=True)
class VAEConfig:
    data: str = DIGITS  # "digits", a 2D target name, or a CSV path of 2D points
    spread: float = 0.0  # 2D targets: std of each mode / noise; 0 = the target's default
    latent: int = 2  # dimension of z
    hidden: tuple[int, ...] = (128, 128)  # widths of the encoder's hidden layers (decoder mirrors them)
    activation: str = "relu"
    decoder: str = "auto"  # "bernoulli" (digits only), "gaussian", or "auto" (Bernoulli for digits)
    beta: float = 1.0  # weight of the KL term (β-VAE); applies without a reset
    lr: float = 0.003  # Adam; applies without a reset
    batch_size: int = 128
    seed: int = 0
    eval_every: int = 50  # steps between test-set evaluations
    quality_every: int = 500  # steps between sample-quality measurements (0 = never)
    n_samples: int = 2000  # samples written by the CLI (in data units)

    def validate(self) -> None:
        if not 1 <= self.latent <= 32:
            raise ConfigError("Use a latent size between 1 and 32.")
        if len(self.hidden) > 4 or any(not 1 <= h <= 512 for h in self.hidden):
            raise ConfigError("Use 0 to 4 hidden layers of 1 to 512 units each.")
        if self.activation not in ACTIVATIONS:
            raise ConfigError(f"Unknown activation '{self.activation}'.")
        if self.decoder not in DECODERS:
            raise ConfigError(f"The decoder must be one of {', '.join(DECODERS)}.")
        if not (self.lr > 0 and math.isfinite(self.lr)) or not (self.beta >= 0 and math.isfinite(self.beta)):
            raise ConfigError("The learning rate must be positive and β non-negative.")
        if self.batch_size < 1 or self.n_samples < 1 or self.eval_every < 1 or self.quality_every < 0:
            raise ConfigError("Batch size, number of samples and evaluation interval must be positive.")
        if not (self.spread >= 0 and math.isfinite(self.spread)):
            raise ConfigError("The spread must be a non-negative number (0 = the target's default).")


class VAE(nn.Module):
    """Encoder x -> (μ, log σ) of q(z|x); decoder z -> mean / logits of p(x|z); learned decoder log σ."""

    def __init__(self, dim: int, latent: int, hidden: tuple[int, ...], activation: str, decoder: str):
        super().__init__()
        self.latent, self.decoder_kind = latent, decoder
        self.encoder = build_mlp(dim, hidden, 2 * latent, activation)  # -> (μ, log σ)
        self.decoder = build_mlp(latent, tuple(reversed(hidden)), dim, activation)
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

    def loss_parts(self, x: torch.Tensor, gen: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(recon (B,), kl (B,)) with one reparameterised draw z = μ + σ·ε."""
        mu, log_std = self.encode(x)
        eps = torch.randn(mu.shape, generator=gen)  # (B, L)
        z = mu + torch.exp(log_std) * eps
        return self.recon_nll(x, self.decode(z)), self.kl(mu, log_std)


class VAETrainer:
    """One minibatch step of the (β-)VAE per ``step()``; see the module docstring."""

    divergence_advice = "The learning rate is too large: lower it and press Reset."

    def __init__(self, cfg: VAEConfig, target: Target2D | None = None, data: VectorData | None = None):
        cfg.validate()
        self.cfg = cfg
        self.data = data if data is not None else load_vectors(cfg.data, cfg.spread, cfg.seed, target)
        if cfg.decoder == "bernoulli" and not self.data.is_digits:
            raise ConfigError("A Bernoulli decoder models pixels in [0, 1]: use the Gaussian decoder for 2D points.")
        self.decoder = cfg.decoder if cfg.decoder != "auto" else ("bernoulli" if self.data.is_digits else "gaussian")
        torch.manual_seed(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.model = VAE(self.data.dim, cfg.latent, cfg.hidden, cfg.activation, self.decoder)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.beta = cfg.beta
        self.X_train = torch.from_numpy(self.data.x_train)  # (n, d)
        self.X_test = torch.from_numpy(self.data.x_test)  # (m, d)
        self.steps = 0
        self.evaluation: dict[str, float] = {}
        self.quality: dict[str, float] = {}
        fixed = torch.Generator().manual_seed(1234 + cfg.seed)  # the same noise in every snapshot
        n_prior = N_PRIOR if self.data.is_digits else N_SAMPLES_2D
        self._prior_z = torch.randn((n_prior, cfg.latent), generator=fixed)  # (N, L)
        self._prior_eps = torch.randn((n_prior, self.data.dim), generator=fixed)  # decoder noise, 2D
        self._shown = self._pick_shown()

    # ------------------------------------------------------------------ live settings

    def set_lr(self, lr: float) -> None:
        set_lr(self.opt, lr)

    def set_beta(self, beta: float) -> None:
        self.beta = float(beta)

    def set_live(self, beta: float | None = None, lr: float | None = None) -> None:
        """The settings a page changes without a reset: β and the learning rate."""
        if beta is not None:
            self.set_beta(beta)
        if lr is not None:
            self.set_lr(lr)

    # ------------------------------------------------------------------ Trainer

    def step(self) -> dict[str, float]:
        n = len(self.X_train)
        idx = torch.randint(0, n, (min(self.cfg.batch_size, n),), generator=self.gen)
        recon, kl = self.model.loss_parts(self.X_train[idx], self.gen)  # (B,), (B,)
        recon, kl = recon.mean(), kl.mean()
        loss = recon + self.beta * kl
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.steps += 1
        if self.steps == 1 or self.steps % self.cfg.eval_every == 0:
            self.evaluation = self.evaluate()
        if self.cfg.quality_every and (self.steps == 1 or self.steps % self.cfg.quality_every == 0):
            self.quality = self.sample_quality(500)
        return {"loss": loss.item(), "recon": recon.item(), "kl": kl.item(), **self.evaluation, **self.quality}

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Test-set reconstruction, KL and loss (β-weighted), one fixed draw of ε per example."""
        recon, kl = self.model.loss_parts(self.X_test, torch.Generator().manual_seed(99))
        recon, kl = recon.mean().item(), kl.mean().item()
        return {"test_recon": recon, "test_kl": kl, "test_loss": recon + self.beta * kl}

    def sample_quality(self, n: int = 2000) -> dict[str, float]:
        """Quality of ``n`` fresh samples (fixed seed): digits: classes found and confident share;
        2D: energy distance, and for mixtures modes captured and high-quality share."""
        report = quality_report(self.sample(n, seed=7), self.data)
        keep = ("classes", "confident", "energy", "modes_captured", "high_quality")
        return {k: float(v) for k, v in report.items() if k in keep}

    @torch.no_grad()
    def _decode_units(self, z: torch.Tensor, eps: torch.Tensor | None = None) -> np.ndarray:
        """Decoder output for codes z in data units; with ``eps`` a draw of the Gaussian decoder."""
        x = self.model.mean(z)
        if eps is not None and self.decoder == "gaussian" and not self.data.is_digits:
            x = x + torch.exp(self.model.dec_log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)) * eps
        return self.data.to_data_units(x.numpy().astype(np.float64))

    def sample(self, n: int, seed: int | None = None) -> np.ndarray:
        """n samples in data units: z ~ N(0, I), then x ~ p(x|z) for 2D points (decoder noise
        included) or the mean image E[x|z] for digits ((n, 64) pixels 0..16)."""
        gen = torch.Generator().manual_seed(self.cfg.seed + 1 if seed is None else seed)
        z = torch.randn((int(n), self.cfg.latent), generator=gen)
        eps = torch.randn((int(n), self.data.dim), generator=gen)
        return self._decode_units(z, eps)

    def _pick_shown(self) -> dict[str, np.ndarray]:
        y = self.data.y_test
        if self.data.is_digits:
            shown = np.array([np.flatnonzero(y == c)[0] for c in range(N_SHOWN)])  # one of each class 0..7
            pair = np.array([np.flatnonzero(y == c)[0] for c in INTERP_CLASSES])
            return {"shown": shown, "pair": pair}
        n = min(N_POINTS_2D, len(y))
        return {"shown": np.arange(n)}

    @torch.no_grad()
    def snapshot(self) -> dict[str, Any]:
        """The digits' or the points' pictures, with ``is_digits`` and the latent size ``latent``."""
        snap = self._digit_snapshot() if self.data.is_digits else self._points_snapshot()
        return {**snap, "is_digits": self.data.is_digits, "latent": self.cfg.latent}

    def _codes(self, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        mu, log_std = self.model.encode(x)
        return mu.numpy().copy(), torch.exp(log_std).numpy().copy()

    def _digit_snapshot(self) -> dict[str, np.ndarray]:
        L = self.cfg.latent
        shown = self.X_test[self._shown["shown"]]  # (8, 64)
        mu_shown, _ = self.model.encode(shown)
        mu_all, std_all = self._codes(self.X_test)  # (m, L)
        codes, axes = _plane(mu_all)
        # the decoded latent plane: z_1, z_2 over a grid, the other coordinates 0
        g = np.linspace(-GRID_SPAN, GRID_SPAN, GRID, dtype=np.float32)
        zz = np.zeros((GRID, GRID, L), dtype=np.float32)
        zz[..., 0] = g[None, :]  # column j: z_1 = g[j]
        if L > 1:
            zz[..., 1] = g[:, None]  # row i: z_2 = g[i]
        grid = self.model.mean(torch.from_numpy(zz.reshape(-1, L))).numpy().reshape(GRID, GRID, 64)
        a, b = self.model.encode(self.X_test[self._shown["pair"]])[0]  # (L,), (L,)
        t = torch.linspace(0, 1, N_INTERP)[:, None]
        interp = self.model.mean((1 - t) * a + t * b).numpy()  # (N_INTERP, 64)
        return {
            "inputs": shown.numpy().copy(),  # (8, 64) in [0, 1]
            "recons": self.model.mean(mu_shown).numpy().copy(),  # (8, 64)
            "samples": self.model.mean(self._prior_z).numpy().copy(),  # (16, 64)
            "codes": codes,  # (m, 2) test means on the latent plane (or its first two principal axes)
            "code_std": std_all[:, :2].copy(),  # (m, ≤2)
            "code_axes_pca": np.array(axes),  # True when latent > 2 (codes are a PCA projection)
            "labels": self.data.y_test.copy(),  # (m,)
            "grid": grid.copy(),  # (GRID, GRID, 64): row i <-> z_2 = grid_z[i], column j <-> z_1 = grid_z[j]
            "grid_z": g,
            "interp": interp.copy(),  # (N_INTERP, 64)
            "interp_classes": np.array(INTERP_CLASSES),
            "dec_std": torch.exp(self.model.dec_log_std).numpy().copy(),
        }

    def _points_snapshot(self) -> dict[str, np.ndarray]:
        data = self.data
        x = self.X_test[self._shown["shown"]]  # (n, 2) standardised
        mu, std = self._codes(x)  # (n, L)
        snap = {
            "data": data.to_data_units(x.numpy()),  # (n, 2) data units
            "labels": data.y_test[self._shown["shown"]].copy(),  # (n,) nearest mode, -1 if none
            "angle": np.arctan2(x[:, 1], x[:, 0]).numpy().copy(),  # (n,) colour for non-mixtures
            "post_mean": mu,  # (n, L) posterior means μ_φ(x)
            "post_std": std,  # (n, L) posterior stds σ_φ(x)
            "recons": self._decode_units(torch.from_numpy(mu)),  # (n, 2) D(μ) in data units
            "samples": self._decode_units(self._prior_z, self._prior_eps),  # (N, 2) x ~ p(x|z), z ~ N(0, I)
            "sample_means": self._decode_units(self._prior_z),  # (N, 2) D(z): the decoder's manifold
            "dec_std": (torch.exp(self.model.dec_log_std).numpy() * data.std).astype(np.float64),  # data units
        }
        if data.target is not None and data.target.is_mixture:
            snap["modes"] = data.target.modes.copy()
        return snap

    def final_metrics(self) -> dict[str, float]:
        out = dict(self.evaluate())
        out.update(self.sample_quality(2000))
        return out

    def parameter_count(self) -> int:
        return parameter_count(self.model)


def _plane(codes: np.ndarray) -> tuple[np.ndarray, bool]:
    """(m, 2) coordinates to draw codes (m, L) on a plane: themselves if L <= 2, else PCA."""
    L = codes.shape[1]
    if L == 1:
        return np.stack([codes[:, 0], np.zeros(len(codes))], 1).astype(np.float32), False
    if L == 2:
        return codes.copy(), False
    centred = codes - codes.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return (centred @ vt[:2].T).astype(np.float32), True


def sample(trainer: "VAETrainer | AETrainer", n: int, seed: int | None = None) -> np.ndarray:
    """n samples of a trained VAE or AE in data units ((n, 2) points, or (n, 64) pixels 0..16)."""
    return trainer.sample(n, seed)


# --------------------------------------------------------------------------- auto-encoders


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
        if len(self.hidden) > 4 or any(not 1 <= h <= 512 for h in self.hidden):
            raise ConfigError("Use 0 to 4 hidden layers of 1 to 512 units each.")
        if self.activation not in ACTIVATIONS:
            raise ConfigError(f"Unknown activation '{self.activation}'.")
        if not (self.lr > 0 and math.isfinite(self.lr)):
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
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.X_train = torch.from_numpy(self.data.x_train)
        self.X_test = torch.from_numpy(self.data.x_test)
        self.shown = sizes.index(min(cfg.latent, self.data.dim))
        self.steps = 0
        self.evaluation: dict[str, float] = {}
        if self.data.is_digits:
            self._shown_idx = np.array([np.flatnonzero(self.data.y_test == c)[0] for c in range(N_SHOWN)])
        else:
            self._shown_idx = np.arange(min(N_POINTS_2D, len(self.X_test)))

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


def _vae_arrays(trainer: VAETrainer) -> dict[str, np.ndarray]:
    snap = trainer.snapshot()
    keep = ("inputs", "recons", "codes", "labels", "grid", "grid_z", "post_mean", "post_std", "data")
    out = {k: v for k, v in snap.items() if k in keep}
    out["samples"] = trainer.sample(trainer.cfg.n_samples)
    return out


def _ae_arrays(trainer: AETrainer) -> dict[str, np.ndarray]:
    snap = trainer.snapshot()
    out = {k: snap[k] for k in ("sizes", "test_mse", "inputs", "recons")}
    out["samples"] = trainer.sample(trainer.cfg.n_samples)
    return out


def _cli_models():
    from core.cli import CliModel

    return {
        "vae": CliModel(
            config=VAEConfig,
            make_trainer=VAETrainer,
            final_metrics=VAETrainer.final_metrics,
            arrays=_vae_arrays,
            default_steps=6000,  # about 15 s on a free core: all 10 digit classes, all 8 ring modes
            help="variational auto-encoder (Gaussian encoder, Bernoulli or Gaussian decoder, β) on digits or 2D",
        ),
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
