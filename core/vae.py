"""The variational auto-encoder (VAE) on the 8x8 digits and the 2D targets, in torch.

Kingma & Welling 2014, "Auto-Encoding Variational Bayes"; β-VAE: Higgins et al. 2017,
"β-VAE: Learning Basic Visual Concepts with a Constrained Variational Framework".

The model: a prior ``p(z) = N(0, I)`` on a code of ``latent`` numbers, a decoder ``p_θ(x|z)`` that is
Gaussian (mean ``D(z)``, one learned std per output coordinate) or Bernoulli (pixel probabilities
``D(z)``, digits only), and a Gaussian encoder ``q_φ(z|x) = N(μ_φ(x), diag σ_φ(x)²)`` that
approximates the posterior. The likelihood ``log p_θ(x)`` is intractable; the **ELBO** bounds it::

    log p_θ(x)  ≥  E_q[log p_θ(x|z)]  −  KL(q_φ(z|x) ‖ p(z))        (the evidence lower bound)

**Reparameterisation**: ``z = μ + σ·ε`` with ``ε ~ N(0, I)``, so one draw of z is a differentiable
function of (μ, σ) and the gradient of the expectation flows into the encoder. **β** weighs the KL
term (Higgins et al. 2017: β > 1 a smoother, more disentangled code, blurrier samples; β = 0 a
plain auto-encoder with noise). Loss per example, to minimise::

    L = E_q[−log p_θ(x|z)]  +  β · KL(q_φ(z|x) ‖ p(z))
        └ "recon" ┘             └ "kl" = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²)

With β = 1 this is the negative ELBO. Sampling: z ~ N(0, I), then x ~ p_θ(x|z).

**How loose is the bound?** Importance sampling with the encoder as proposal estimates log p_θ(x)
itself: ``log p̂_K(x) = log (1/K) Σ_k p_θ(x|z_k) p(z_k) / q_φ(z_k|x)``, z_k ~ q_φ(z|x). Its
expectation is the IWAE bound (Burda et al. 2016): the ELBO at K = 1, rising with K to log p_θ(x).
The trainer measures it on the test set with the sample quality (``test_elbo``, ``test_log_p`` at
K = 64, and the snapshot's ``log_p_by_k``). For digits the Bernoulli decoder scores grey levels in
[0, 1] with the cross-entropy, not a normalised density: the inequalities hold all the same.

**Are the samples diverse?** For digits the sample quality includes the improved ``precision`` and
``recall`` (Kynkäänniemi et al. 2019, core/precision_recall.py) of as many samples as test digits against
the test digits, in pixels: the 2D latent's samples are realistic but nearly all alike (recall near 0);
``bench/bench_vae.py`` measures them by latent size and β (``LATENT_SWEEP``; its table is
``assets/vae_latent_pr.json``, read by :func:`latent_reference`).

Data (core/vectors.py): ``data="digits"`` (pixels scaled to [0, 1]), a name of core/targets2d.py
(``ring``, ``grid``, …; standardised inside the model) or a CSV path of 2D points; a ready
:class:`~core.targets2d.Target2D` (e.g. an upload) may be passed instead.

Public API (the auto-encoder page and the GAN-against-VAE page use it):

- ``VAETrainer(VAEConfig(...), target=None)``: ``step()``, ``snapshot()``, ``evaluate()``,
  ``final_metrics()``, ``set_live(beta=..., lr=...)`` (also ``set_lr(lr)``, ``set_beta(beta)``).
- ``trainer.sample(n, seed=None) -> np.ndarray``: n samples **in data units**: (n, 2) points for
  2D targets, or (n, 64) pixel intensities 0..16 for digits (as ``load_digits`` gives them).

The network (encoder, decoder, the ELBO's two terms, the importance-sampled log p) is
core/vae_model.py; the plain auto-encoders (no prior, a bank of latent sizes) are core/autoencoders.py.

CLI: ``python -m core train vae --data digits|ring|…|PATH.csv --seconds S --seed K --out run.npz``
(``--n-samples``, default 2000; the ``.npz`` holds ``samples`` in data units). The defaults are
the page's recommended preset.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.errors import ConfigError
from core.nets import adam, check_activation, check_hidden, parameter_count, positive, set_lr
from core.targets2d import Target2D
from core.vae_model import LOG_STD_MAX, LOG_STD_MIN, VAE
from core.vectors import DIGITS, N_PRIOR, VectorData, load_vectors, quality_report

DECODERS = ("auto", "bernoulli", "gaussian")  # auto: Bernoulli for digits, Gaussian for 2D points
GRID = 11  # the decoded latent plane: GRID x GRID images
GRID_SPAN = 2.5  # ... over [-GRID_SPAN, GRID_SPAN]^2 of the latent plane
N_INTERP = 10  # images of an interpolation
INTERP_CLASSES = (2, 7)  # the interpolation goes from the first test 2 to the first test 7
N_SAMPLES_2D = 1000  # prior samples drawn in a 2D snapshot
IWAE_K = (1, 4, 16, 64)  # importance samples per example for the estimates of log p_θ(x); the last is shown
N_LIKELIHOOD = 500  # test examples on which log p_θ(x) is estimated
LATENT_SWEEP = (2, 4, 8, 16)  # latent sizes bench/bench_vae.py compares by precision and recall
LATENT_REFERENCE = Path(__file__).resolve().parent.parent / "assets" / "vae_latent_pr.json"  # ... its table


def latent_reference(path: Path = LATENT_REFERENCE) -> dict | None:
    """The table bench/bench_vae.py wrote with ``--write-reference``: precision and recall of the digits VAE
    by latent size and β after the same CPU budget (``rows``), the real-digits ``yardstick``, the
    ``command`` that measured it; None if the file is missing or unreadable."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


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

    @staticmethod
    def canonical(fields: dict[str, Any]) -> dict[str, Any]:
        """The settings as the model reads them: ``decoder="auto"`` is the decoder it stands for (for a
        shipped checkpoint, "auto" and "bernoulli" on digits build the same network)."""
        if fields.get("decoder") == "auto":
            fields = {**fields, "decoder": "bernoulli" if fields.get("data") == DIGITS else "gaussian"}
        return fields

    def validate(self) -> None:
        if not 1 <= self.latent <= 32:
            raise ConfigError("Use a latent size between 1 and 32.")
        check_hidden(self.hidden, 4, 512)
        check_activation(self.activation)
        if self.decoder not in DECODERS:
            raise ConfigError(f"The decoder must be one of {', '.join(DECODERS)}.")
        if not positive(self.lr) or not (self.beta >= 0 and math.isfinite(self.beta)):
            raise ConfigError("The learning rate must be positive and β non-negative.")
        if self.batch_size < 1 or self.n_samples < 1 or self.eval_every < 1 or self.quality_every < 0:
            raise ConfigError("Batch size, number of samples and evaluation interval must be positive.")
        if not (self.spread >= 0 and math.isfinite(self.spread)):
            raise ConfigError("The spread must be a non-negative number (0 = the target's default).")


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
        self.opt = adam(self.model.parameters(), cfg.lr)
        self.beta = cfg.beta
        self.X_train = torch.from_numpy(self.data.x_train)  # (n, d)
        self.X_test = torch.from_numpy(self.data.x_test)  # (m, d)
        self.steps = 0
        self.evaluation: dict[str, float] = {}
        self.quality: dict[str, float] = {}
        self.likelihood: dict[str, float] = {}
        self._log_p_by_k = np.zeros(0)  # empty until measured (a snapshot must hold no NaN)
        fixed = torch.Generator().manual_seed(1234 + cfg.seed)  # the same noise in every snapshot
        n_prior = N_PRIOR if self.data.is_digits else N_SAMPLES_2D
        self._prior_z = torch.randn((n_prior, cfg.latent), generator=fixed)  # (N, L)
        self._prior_eps = torch.randn((n_prior, self.data.dim), generator=fixed)  # decoder noise, 2D
        self._shown = self.data.shown()  # the test examples a snapshot draws

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
        if not self.evaluation or self.steps % self.cfg.eval_every == 0:  # the first step (also from a checkpoint)
            self.evaluation = self.evaluate()
        if self.cfg.quality_every and (not self.quality or self.steps % self.cfg.quality_every == 0):
            self.quality = self.sample_quality(500)
            self.likelihood = self.likelihood_report()
        return {"loss": loss.item(), "recon": recon.item(), "kl": kl.item(), **self.evaluation, **self.quality,
                **self.likelihood}

    def measure(self) -> dict[str, float]:
        """The test-set numbers of the model as it is, without a step (a run from a checkpoint starts with
        them): reconstruction and KL, and the likelihood report if the run measures quality. Fixed draws only:
        training goes on exactly as without it."""
        return {**self.evaluate(), **(self.likelihood_report() if self.cfg.quality_every else {})}

    @torch.no_grad()
    def likelihood_report(self) -> dict[str, float]:
        """The test ELBO (β = 1) and the importance-sampled log p̂_K(x) for K in IWAE_K, averaged over
        up to N_LIKELIHOOD test examples (nats per example, model units), with fixed draws of z."""
        x = self.X_test[:N_LIKELIHOOD]
        gen = torch.Generator().manual_seed(4321 + self.cfg.seed)
        recon, kl = self.model.loss_parts(x, gen)
        by_k = [self.model.importance_log_p(x, k, gen).mean().item() for k in IWAE_K]
        self._log_p_by_k = np.array(by_k)
        return {"test_elbo": -(recon + kl).mean().item(), "test_log_p": by_k[-1]}

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Test-set reconstruction, KL and loss (β-weighted), one fixed draw of ε per example."""
        recon, kl = self.model.loss_parts(self.X_test, torch.Generator().manual_seed(99))
        recon, kl = recon.mean().item(), kl.mean().item()
        return {"test_recon": recon, "test_kl": kl, "test_loss": recon + self.beta * kl}

    def sample_quality(self, n: int = 2000) -> dict[str, float]:
        """Quality of ``n`` fresh samples (fixed seed): digits: classes found, confident share, and the
        improved precision and recall against the test digits (core/vectors.py quality_report);
        2D: energy distance, and for mixtures modes captured and high-quality share."""
        report = quality_report(self.sample(n, seed=7), self.data)
        keep = ("classes", "confident", "precision", "recall", "energy", "modes_captured", "high_quality")
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

    @torch.no_grad()
    def snapshot(self) -> dict[str, Any]:
        """The digits' or the points' pictures, with ``is_digits`` and the latent size ``latent``."""
        snap = self._digit_snapshot() if self.data.is_digits else self._points_snapshot()
        return {**snap, "is_digits": self.data.is_digits, "latent": self.cfg.latent,
                "iwae_k": np.array(IWAE_K), "log_p_by_k": self._log_p_by_k.copy()}  # empty before the first

    def _codes(self, x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        mu, log_std = self.model.encode(x)
        return mu.numpy().copy(), torch.exp(log_std).numpy().copy()

    def _digit_snapshot(self) -> dict[str, np.ndarray]:
        L = self.cfg.latent
        shown = self.X_test[self._shown]  # (8, 64)
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
        pair = np.array([np.flatnonzero(self.data.y_test == c)[0] for c in INTERP_CLASSES])
        a, b = self.model.encode(self.X_test[pair])[0]  # (L,), (L,)
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
        x = self.X_test[self._shown]  # (n, 2) standardised
        mu, std = self._codes(x)  # (n, L)
        snap = {
            "data": data.to_data_units(x.numpy()),  # (n, 2) data units
            "labels": data.y_test[self._shown].copy(),  # (n,) nearest mode, -1 if none
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


# --------------------------------------------------------------------------- CLI


def _vae_arrays(trainer: VAETrainer) -> dict[str, np.ndarray]:
    snap = trainer.snapshot()
    keep = ("inputs", "recons", "codes", "labels", "grid", "grid_z", "post_mean", "post_std", "data")
    out = {k: v for k, v in snap.items() if k in keep}
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
    }


CLI_MODELS = _cli_models()
