"""A generative adversarial network on 2D targets (and 8x8 digits), as GAN Lab shows it, in torch.

The lecture's game: a generator ``G_θ`` maps noise ``z ~ p(z)`` to a point ``G_θ(z)``; a
discriminator ``D_φ`` tells data from generated points. With the original value function

    V(G, D) = E_{x~p_data}[log D(x)] + E_{z~p(z)}[log(1 − D(G(z)))],   min_G max_D V(G, D)

D ascends V and G descends it; the four losses (the original min-max, non-saturating, WGAN-GP, least
squares) are core/gan_losses.py, the data core/gan_data.py, the named presets core/gan_presets.py.

Mode-collapse remedy: PacGAN packing (Lin et al., 2018): D judges ``pack`` samples at once
(concatenated), all real or all generated, so a generator stuck in one mode is easy to spot.

Data are standardised inside (per coordinate); samples come back in the data's own units
(digits: pixel intensities 0..16 as ``load_digits`` gives them). ``GanTrainer.step()`` is one round
(``d_steps`` D updates, then one G update), or a single D or G update after ``request("d"|"g")``
or ``set_live(phase="d"|"g")`` (the page's step mode). ``snapshot()`` carries data and generated
points, D over a small grid, the arrows −∇ₓ L_G that move the generated points, the image of a
noise grid (the manifold), the target's modes, the optimal discriminator ``d_star`` on D's grid
and ``jsd`` = JSD(p_data ‖ p_g) (``core.gan_optimum``; ``jsd`` is also a metric), and the counters
and settings a page prints (``d_updates``, ``g_updates``, ``parameter_count`` [G, D], ``loss``, ``pack``).

Sharp modes (the "sharp targets" presets): ``g_ema`` draws samples with an average of G's weights,
``lr_decay_steps`` lets both learning rates fall; ``latent_modes`` draws z from K tight clusters
(z = μ_c + LATENT_SPREAD·ε), so G need not stretch one connected cloud over separate modes; ``d_fourier``
gives D random Fourier features of its input, so it resolves a mode of 1 % of the data's scale;
``instance_noise`` blurs every point D sees, fading over the first ``instance_noise_steps`` steps.

Discriminator Rejection Sampling (``drs``, core/gan_drs.py): a second discriminator D_φ' learns, one
step every ``DRS_EVERY`` training steps, to tell the data from the points the sampler draws, and the
drawn points are kept with probability exp(min(0, r(x) − r̂)), r = logit D_φ'. The metrics then carry
the generator alone (the usual keys) and after rejection (``drs_`` + key, and ``drs_acceptance``), so
a filter is never mistaken for a better G; the snapshot marks which drawn points are ``accepted``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from core.errors import ConfigError
from core.gan_data import GanData, load_data
from core.gan_drs import MAX_PROPOSALS, Rejection, Rejector
from core.gan_losses import LOSSES, logit_losses
from core.gan_optimum import GridOptimum
from core.nets import EMA, FourierFeatures, adam, cosine_lr, mlp, parameter_count, set_lr
from core.sample_metrics import sample_report
from core.targets2d import Target2D, plot_grid, standardise

NOISE_LAWS = ("gaussian", "uniform")
GRID = 40  # D's heatmap resolution (GRID x GRID)
N_SHOW = 800  # data / generated points in a snapshot
N_ARROWS = 150  # generated points that carry a gradient arrow
N_EVAL = 1000  # samples for the mode / energy metrics
EVAL_KEYS = ("energy", "modes_captured", "high_quality")  # what evaluate() reports of them (2D)
MANIFOLD_1D, MANIFOLD_2D = 200, 21  # noise-grid resolution
N_IMAGES = 36  # digits shown in a snapshot
GP_WEIGHT = 10.0
LATENT_SPREAD = 0.03  # std of each noise cluster around its centre (latent_modes)
CENTRES_SEED = 7  # the clusters' centres: the same for every run of the same K, noise law and dimension
FOURIER_FEATURES = 64  # sin and cos pairs in D's input (d_fourier)
DRS_EVERY = 4  # training steps per update of DRS's D_φ' (each costs ~2 ms, a GAN step ~3: +17 %)


@dataclass(frozen=True)
class GanConfig:
    data: str = "ring"  # a target of core.targets2d, "digits", or the path of a CSV of 2D points
    spread: float = 0.05  # std of each mode (ring, grid) or noise of the other targets
    noise_dim: int = 2
    noise: str = "gaussian"  # law of z: "gaussian" N(0, I) or "uniform" U[-1, 1]^k
    g_depth: int = 3
    g_width: int = 128
    d_depth: int = 3
    d_width: int = 128
    loss: str = "nonsat"
    d_steps: int = 1  # D updates per G update
    lr_g: float = 5e-4
    lr_d: float = 5e-4
    batch_size: int = 256
    pack: int = 2  # PacGAN: samples D judges together (1 = no packing)
    g_ema: float = 0.0  # decay μ of an average of G's weights that draws every sample (0 = off)
    lr_decay_steps: int = 0  # cosine decay of both learning rates to 5 % over these steps (0 = constant)
    drs: bool = False  # Discriminator Rejection Sampling of the drawn points (2D data; core/gan_drs.py)
    latent_modes: int = 0  # K: z = μ_c + LATENT_SPREAD·ε, c ~ U{1..K}, the centres μ_c drawn once from p(z) (0 = off)
    d_fourier: float = 0.0  # scale of B in D's random Fourier features [x, sin(xB + b), cos(xB + b)] (0 = off)
    instance_noise: float = 0.0  # σ₀ of noise added to every point D sees, fading to 0 over instance_noise_steps
    instance_noise_steps: int = 2000  # steps over which the instance noise fades linearly to 0
    seed: int = 0
    eval_every: int = 200  # steps between mode-coverage measurements
    n_samples: int = 2000  # samples written by the CLI

    def validate(self) -> None:
        if self.loss not in LOSSES:
            raise ConfigError(f"Unknown loss '{self.loss}': choose one of {', '.join(LOSSES)}.")
        if self.noise not in NOISE_LAWS:
            raise ConfigError(f"Unknown noise law '{self.noise}': choose gaussian or uniform.")
        if not 1 <= self.noise_dim <= 128:
            raise ConfigError("The noise dimension must be between 1 and 128.")
        if not (0 <= self.g_depth <= 6 and 0 <= self.d_depth <= 6 and 1 <= self.g_width <= 512
                and 1 <= self.d_width <= 512):
            raise ConfigError("Use 0 to 6 hidden layers of 1 to 512 units in each network.")
        if not 1 <= self.d_steps <= 20:
            raise ConfigError("Take 1 to 20 discriminator steps per generator step.")
        for lr in (self.lr_g, self.lr_d):
            if not (np.isfinite(lr) and 0 < lr <= 1):
                raise ConfigError("Learning rates must lie in (0, 1].")
        if not 1 <= self.pack <= 16:
            raise ConfigError("Pack 1 to 16 samples per discriminator input.")
        if self.batch_size < 2 * self.pack or self.batch_size > 4096:
            raise ConfigError(f"The batch (up to 4,096) must hold at least two packs of {self.pack} samples.")
        if self.eval_every < 1 or self.n_samples < 1:
            raise ConfigError("eval_every and n_samples must be positive.")
        if not 0.0 <= self.g_ema < 1.0:
            raise ConfigError("The decay of G's weight average must lie in [0, 1).")
        if not 0 <= self.lr_decay_steps <= 10**7:
            raise ConfigError("Decay the learning rates over 0 (constant) to 10,000,000 steps.")
        if not 0 <= self.latent_modes <= 10_000:
            raise ConfigError("Draw the noise from 0 (off) to 10,000 clusters.")
        if not (np.isfinite(self.d_fourier) and 0.0 <= self.d_fourier <= 1000.0):
            raise ConfigError("The scale of D's Fourier features must lie in [0, 1000] (0 = off).")
        if not (np.isfinite(self.instance_noise) and 0.0 <= self.instance_noise <= 10.0):
            raise ConfigError("The instance noise must lie in [0, 10] data standard deviations (0 = off).")
        if not 1 <= self.instance_noise_steps <= 10**6:
            raise ConfigError("The instance noise fades over 1 to 1,000,000 steps.")

    @staticmethod
    def canonical(fields: dict[str, Any]) -> dict[str, Any]:
        """The settings as the model reads them: a checkpoint saved before a field existed was trained
        with that field's default."""
        return {**_DEFAULTS, **fields}


_DEFAULTS = asdict(GanConfig())


# --------------------------------------------------------------------------- networks


class LeakyReLU(nn.LeakyReLU):
    def __init__(self):
        super().__init__(0.2)


# --------------------------------------------------------------------------- trainer


class GanTrainer:
    divergence_advice = ("The game blew up: lower the learning rates (or use WGAN-GP / least squares) "
                         "and press Reset.")

    def __init__(self, cfg: GanConfig, data: GanData | None = None, target: Target2D | None = None):
        cfg.validate()
        self.cfg = cfg
        self.data = data if data is not None else load_data(cfg, target)
        if self.data.is_digits:  # one scale for every pixel: [0, 1] -> [-1, 1], and a tanh on G's output
            # (per-pixel standardising would blow the rare ink of near-blank border pixels up to ±30)
            self.mean, self.std = np.full(self.data.dim, 0.5), np.full(self.data.dim, 0.5)
            x_std = (self.data.pool - self.mean) / self.std
        else:
            x_std, self.mean, self.std = standardise(self.data.pool)  # (N, d), (d,), (d,)
        self.x = torch.from_numpy(x_std.astype(np.float32))
        d = self.data.dim
        torch.manual_seed(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        # digits: batch norm keeps G's 64 outputs responsive to z (without it G collapses at once)
        digits = self.data.is_digits
        self.G = mlp((cfg.noise_dim, *(cfg.g_width,) * cfg.g_depth, d), nn.ReLU,
                     final=nn.Tanh if digits else None, norm=nn.BatchNorm1d if digits else None)
        self.D = self._discriminator(d * cfg.pack)
        betas = (0.5, 0.9)
        self.opt_g = adam(self.G.parameters(), cfg.lr_g, betas=betas)
        self.opt_d = adam(self.D.parameters(), cfg.lr_d, betas=betas)
        self.lr = {"g": cfg.lr_g, "d": cfg.lr_d}  # the base rates (the page changes them live)
        # the average θ̄ ← μ·θ̄ + (1 − μ)·θ of G's weights after each G update: it draws every sample
        self.G_avg = EMA(self.G, cfg.g_ema, warmup=True) if cfg.g_ema > 0 else None
        self.steps = 0
        self.d_updates = 0
        self.g_updates = 0
        self._phase: str | None = None
        self.losses = {"d_loss": float("nan"), "g_loss": float("nan"), "d_real": float("nan"),
                       "d_fake": float("nan")}
        self.evaluation: dict[str, float] = {}
        self.centres = self._centres()
        self.z_show = self.noise(max(N_SHOW, N_EVAL))  # fixed noise: the picture moves only with G
        self._grid = self._make_grid() if d == 2 else None
        self.is_digits = self.data.is_digits
        self.optimum = self._make_optimum() if self._grid is not None else None
        self.rejector = None
        if cfg.drs:
            if d != 2:
                raise ConfigError("Discriminator rejection sampling is offered for 2D data only.")
            self.rejector = Rejector(d, cfg.seed + 1)  # its own seed and draws: the game runs as without it
            self.u_show = self.rejector.uniforms(len(self.z_show))  # fixed: a point's fate moves only with D_φ'

    # ------------------------------------------------------------------ pieces

    def _discriminator(self, n_in: int) -> nn.Module:
        """D_φ: an MLP of its input, or with ``d_fourier`` of [x, sin(xB + b), cos(xB + b)] (B, b fixed): the
        features let a small D resolve modes of 1 % of the data's scale (Tancik et al., 2020)."""
        cfg = self.cfg
        features = (FourierFeatures(n_in, FOURIER_FEATURES, cfg.d_fourier, cfg.seed + 3, keep_input=True)
                    if cfg.d_fourier > 0 else None)
        net = mlp((features.out_dim if features else n_in, *(cfg.d_width,) * cfg.d_depth, 1), LeakyReLU)
        return nn.Sequential(features, net) if features else net

    def _centres(self) -> torch.Tensor | None:
        """(K, k) centres of the noise clusters (None: off), drawn once from p(z) by a generator of their own with
        a fixed seed: they belong to the noise law, like N(0, I), not to the run, so a checkpoint trained at any
        seed was trained on these same clusters."""
        k = self.cfg.latent_modes
        if not k:
            return None
        return self._law((k, self.cfg.noise_dim), torch.Generator().manual_seed(CENTRES_SEED))

    def _law(self, shape: tuple[int, int], gen: torch.Generator) -> torch.Tensor:
        if self.cfg.noise == "uniform":
            return torch.rand(shape, generator=gen) * 2 - 1
        return torch.randn(shape, generator=gen)

    def noise(self, n: int, gen: torch.Generator | None = None) -> torch.Tensor:
        """z ~ p(z); with ``latent_modes`` z = μ_c + LATENT_SPREAD·ε, a cluster c drawn uniformly: G maps each
        tight cluster to a point, and no longer has to stretch one connected cloud over separate modes."""
        gen = gen or self.gen
        z = self._law((n, self.cfg.noise_dim), gen)
        if self.centres is None:
            return z
        c = torch.randint(0, len(self.centres), (n,), generator=gen)
        return self.centres[c] + LATENT_SPREAD * z

    def instance_std(self) -> float:
        """σ_t of the instance noise at the current step: σ₀·(1 − t/T) until T = ``instance_noise_steps``, then 0."""
        return self.cfg.instance_noise * max(0.0, 1.0 - self.steps / self.cfg.instance_noise_steps)

    def blurred(self, x: torch.Tensor) -> torch.Tensor:
        """x + σ_t·ε: what D sees of a real or generated batch (instance noise, Sønderby et al., 2017); x itself
        once σ_t is 0. Early on both clouds overlap, so D's gradient reaches every mode G has not found."""
        s = self.instance_std()
        return x + s * torch.randn(x.shape, generator=self.gen) if s > 0 else x

    def real_batch(self) -> torch.Tensor:
        idx = torch.randint(0, len(self.x), (self.cfg.batch_size,), generator=self.gen)
        return self.x[idx]  # (B, d)

    def packed(self, x: torch.Tensor) -> torch.Tensor:
        """(B, d) -> (B // pack, pack·d): consecutive samples form one input of D."""
        m = self.cfg.pack
        n = (len(x) // m) * m
        return x[:n].reshape(n // m, m * x.shape[1])

    def d_out(self, x: torch.Tensor) -> torch.Tensor:
        return self.D(self.packed(x)).squeeze(1)  # (B // pack,)

    def gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        r, f = self.packed(real), self.packed(fake)
        t = torch.rand(len(r), 1, generator=self.gen)
        mix = (t * r + (1 - t) * f).requires_grad_(True)
        (grad,) = torch.autograd.grad(self.D(mix).sum(), mix, create_graph=True)
        return ((grad.norm(dim=1) - 1) ** 2).mean()

    def _d_value(self, out: torch.Tensor) -> float:
        """Mean of what the page calls D(x): a probability for the logistic losses, else the raw output."""
        return (torch.sigmoid(out) if self.cfg.loss in ("nonsat", "minimax") else out).mean().item()

    # ------------------------------------------------------------------ updates

    def d_step(self) -> None:
        real = self.real_batch()
        with torch.no_grad():
            fake = self.G(self.noise(self.cfg.batch_size))
        real, fake = self.blurred(real), self.blurred(fake)
        out_r, out_f = self.d_out(real), self.d_out(fake)
        loss, _ = logit_losses(self.cfg.loss, out_r, out_f)
        total = loss + GP_WEIGHT * self.gradient_penalty(real, fake) if self.cfg.loss == "wgan-gp" else loss
        self.opt_d.zero_grad(set_to_none=True)
        total.backward()
        self.opt_d.step()
        self.d_updates += 1
        self.losses.update(d_loss=loss.item(), d_real=self._d_value(out_r.detach()),
                           d_fake=self._d_value(out_f.detach()))

    def g_step(self) -> None:
        fake = self.blurred(self.G(self.noise(self.cfg.batch_size)))
        _, loss = logit_losses(self.cfg.loss, None, self.d_out(fake))
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        self.g_updates += 1
        if self.G_avg is not None:
            self.G_avg.update(self.G, self.g_updates)
        self.losses["g_loss"] = loss.item()

    def drs_step(self) -> None:
        """One update of DRS's D_φ' on data against the sampler's points: the paper fine-tunes D on its final
        G; here the sampler is the weight average, whose law the game's D_φ never sees (core/gan_drs.py)."""
        rj = self.rejector
        idx = torch.randint(0, len(self.x), (self.cfg.batch_size,), generator=rj.gen)
        rj.update(self.x[idx], self._generate(self.noise(self.cfg.batch_size, rj.gen)))

    def request(self, phase: str) -> None:
        """Make the next ``step()`` a single D update ("d") or a single G update ("g")."""
        if phase not in ("d", "g"):
            raise ValueError(phase)
        self._phase = phase

    def set_live(self, lr_g: float | None = None, lr_d: float | None = None, phase: str | None = None) -> None:
        """The settings a page changes without a reset: the two learning rates, and the step mode's
        next half step (``phase`` "d" or "g", see :meth:`request`)."""
        for key, opt, lr in (("g", self.opt_g, lr_g), ("d", self.opt_d, lr_d)):
            if lr is not None:
                self.lr[key] = lr
                set_lr(opt, cosine_lr(self.steps, lr, self.cfg.lr_decay_steps))
        if phase is not None:
            self.request(phase)

    # ------------------------------------------------------------------ Trainer

    def step(self) -> dict[str, float]:
        phase, self._phase = self._phase, None
        if self.cfg.lr_decay_steps:
            for key, opt in (("g", self.opt_g), ("d", self.opt_d)):
                set_lr(opt, cosine_lr(self.steps, self.lr[key], self.cfg.lr_decay_steps))
        if phase != "g":
            for _ in range(1 if phase == "d" else self.cfg.d_steps):
                self.d_step()
        if phase != "d":
            self.g_step()
        if self.rejector is not None and self.steps % DRS_EVERY == 0:
            self.drs_step()
        self.steps += 1
        if self.steps == 1 or self.steps % self.cfg.eval_every == 0:
            self.evaluation = self.evaluate()
        done = ("d_loss", "d_real", "d_fake") * bool(self.d_updates) + ("g_loss",) * bool(self.g_updates)
        return {k: self.losses[k] for k in done} | self.evaluation

    @property
    def sampler(self) -> nn.Module:
        """The generator that draws: the weight average when there is one, else G itself."""
        return self.G if self.G_avg is None else self.G_avg.model

    @torch.no_grad()
    def _generate(self, z: torch.Tensor) -> torch.Tensor:
        """G(z) for drawing and measuring: batch norm (digits) uses its running statistics."""
        g = self.sampler
        g.eval()
        try:
            return g(z)
        finally:
            g.train()

    @torch.no_grad()
    def sample(self, n: int, z: torch.Tensor | None = None) -> np.ndarray:
        """(n, d) generated samples in data units (digits: pixel intensities 0..16)."""
        z = self.noise(n) if z is None else z[:n]
        x = self._units(self._generate(z))  # (n, d)
        if self.is_digits:
            from core.digits import to_pixels

            return to_pixels(x)
        return x

    def _units(self, x: torch.Tensor) -> np.ndarray:
        return x.double().numpy() * self.std + self.mean  # (n, d) data units

    def shown_rejection(self, drawn: torch.Tensor | None = None) -> np.ndarray:
        """(N_EVAL,) bool: which points of the fixed noise ``z_show`` DRS keeps (r̂ from those points);
        ``drawn``: the sampler's points for ``z_show[:N_EVAL]`` if the caller has them already."""
        drawn = self._generate(self.z_show[:N_EVAL]) if drawn is None else drawn
        return self.rejector.judge(drawn, self.u_show[:N_EVAL]).accepted.numpy()

    def _report(self, x: np.ndarray, keep: tuple[str, ...] | None = None) -> dict[str, float]:
        report = sample_report(x, self.data.target, reference=self.data.held_out, seed=self.cfg.seed)
        return {k: float(report[k]) for k in (keep or report) if k in report}

    def _drs_report(self, kept: np.ndarray, rate: float, keep: tuple[str, ...] | None = None) -> dict[str, float]:
        """``drs_`` + the metrics of the accepted points, and the acceptance rate (no metric of no point)."""
        out = {"drs_acceptance": rate}
        if len(kept):
            out.update({f"drs_{k}": v for k, v in self._report(kept, keep).items()})
        return out

    def evaluate(self) -> dict[str, float]:
        if self.is_digits:
            from core.digit_judge import judge

            report = judge(self.sample(N_EVAL, self.z_show))
            return {"confident": report["confident"], "classes": float(report["classes"])}
        drawn = self._generate(self.z_show[:N_EVAL])  # as sample(N_EVAL, z_show); DRS judges the same points
        x = self._units(drawn)
        out = self._report(x, EVAL_KEYS)
        if self.optimum is not None:  # JSD(p_data ‖ p_g) on the grid (core.gan_optimum)
            out["jsd"] = self.optimum.measure(x)["jsd"]
        if self.rejector is not None:
            ok = self.shown_rejection(drawn)
            out.update(self._drs_report(x[ok], float(ok.mean()), EVAL_KEYS))
        return out

    def drs_sample(self, n: int) -> tuple[np.ndarray, Rejection]:
        """Up to ``n`` points kept by DRS out of at most ``MAX_PROPOSALS``·n fresh proposals (data units),
        and the rejection (its rate is the acceptance)."""
        rj = self.rejector
        rejection = rj.sample(lambda k: self._generate(self.noise(k, rj.gen)), n, MAX_PROPOSALS)
        return self._units(rejection.kept[:n]), rejection

    def final_metrics(self) -> dict[str, float]:
        """Metrics of ``n_samples`` fresh samples (the CLI's JSON line); with DRS also those of up to
        ``n_samples`` accepted points (``drs_`` + key), the acceptance rate and how many were kept."""
        x = self.sample(self.cfg.n_samples)
        if self.is_digits:
            from core.digit_judge import judge

            return {k: float(v) for k, v in judge(x).items()}
        out = sample_report(x, self.data.target, reference=self.data.held_out, seed=self.cfg.seed)
        if self.rejector is not None:
            kept, rejection = self.drs_sample(self.cfg.n_samples)
            out.update(self._drs_report(kept, rejection.rate), drs_kept=float(len(kept)))
        return out

    def _make_grid(self) -> dict[str, np.ndarray]:
        gx, gy, pts = plot_grid(self.data.pool, GRID, clip=0.5, square=1.35)  # pts (GRID², 2) data units
        pts_std = torch.from_numpy(((pts - self.mean) / self.std).astype(np.float32))
        return {"gx": gx, "gy": gy, "pts": pts_std}

    def _make_optimum(self) -> GridOptimum:
        """p_data on D's grid: exact for a Gaussian mixture, else a KDE of the held-out points."""
        target = self.data.target
        mixture = target.mixture_params() if target is not None and target.is_mixture else None
        return GridOptimum(self._grid["gx"], self._grid["gy"], mixture=mixture, reference=self.data.held_out)

    def _manifold(self) -> torch.Tensor | None:
        """Noise on a line (1D) or a mesh (2D) covering most of p(z), as (rows, cols, k); None for more dimensions
        or for noise in clusters."""
        if self.centres is not None:  # z lives in K tight clusters: a mesh over p(z) would show G mostly where
            return None               # it never draws
        k, gauss = self.cfg.noise_dim, self.cfg.noise == "gaussian"
        edge = 2.5 if gauss else 1.0
        if k == 1:
            return torch.linspace(-edge, edge, MANIFOLD_1D).reshape(1, -1, 1)
        if k == 2:
            t = torch.linspace(-edge, edge, MANIFOLD_2D)
            return torch.stack(torch.meshgrid(t, t, indexing="ij"), -1)  # (M, M, 2)
        return None

    def snapshot(self) -> dict[str, Any]:
        counts = {"d_updates": self.d_updates, "g_updates": self.g_updates,
                  "parameter_count": list(self.parameter_count()), "loss": self.cfg.loss, "pack": self.cfg.pack}
        if self.is_digits:
            return {"real_images": self.data.held_out[:N_IMAGES] * 16.0,
                    "fake_images": self.sample(N_IMAGES, self.z_show), **counts}
        snap = {"real": self.data.held_out[:N_SHOW].copy(), "fake": self.sample(N_SHOW, self.z_show), **counts}
        if self.rejector is not None:  # which of the drawn points DRS keeps
            accepted = self.shown_rejection()
            snap.update(accepted=accepted[:N_SHOW], drs_acceptance=float(accepted.mean()))
        if self.data.target is not None and self.data.target.modes is not None:
            snap["modes"] = self.data.target.modes.copy()  # (K, 2) mixtures only
        # D over the plane (a packed D sees `pack` copies of the same point)
        if self._grid is not None:
            with torch.no_grad():
                g = self._grid["pts"]
                out = self.D(g.repeat(1, self.cfg.pack)).squeeze(1)
                val = torch.sigmoid(out) if self.cfg.loss in ("nonsat", "minimax") else out
            snap.update(grid_x=self._grid["gx"].copy(), grid_y=self._grid["gy"].copy(),
                        d_grid=val.reshape(GRID, GRID).double().numpy())
            # the optimal D* = p_data / (p_data + p_g) for the current G, and JSD(p_data ‖ p_g)
            opt = self.optimum.measure(self.sample(N_EVAL, self.z_show), self.cfg.pack)
            snap.update(d_star=opt["d_star"].reshape(GRID, GRID), jsd=opt["jsd"],
                        p_data_exact=self.optimum.exact, kde_bandwidth=self.optimum.h)
            # -∇ₓ L_G at some generated points: where G's update pushes them
            with torch.no_grad():
                xf = self._generate(self.z_show[:N_ARROWS])
            xf.requires_grad_(True)
            _, g_loss = logit_losses(self.cfg.loss, None, self.d_out(xf))
            (grad,) = torch.autograd.grad(g_loss, xf)
            snap["arrow_from"] = snap["fake"][:N_ARROWS].copy()
            snap["arrow"] = -grad.double().numpy() / self.std  # (N_ARROWS, 2) data units
            zm = self._manifold()
            if zm is not None:
                with torch.no_grad():
                    img = self._generate(zm.reshape(-1, self.cfg.noise_dim)).double().numpy() * self.std + self.mean
                snap["manifold"] = img.reshape(*zm.shape[:2], 2)
        return snap

    def parameter_count(self) -> tuple[int, int]:
        return (parameter_count(self.G), parameter_count(self.D))


# --------------------------------------------------------------------------- CLI


def _cli_arrays(trainer: GanTrainer) -> dict[str, np.ndarray]:
    arrays = {"samples": trainer.sample(trainer.cfg.n_samples)}
    if trainer.rejector is not None:
        arrays["samples_drs"] = trainer.drs_sample(trainer.cfg.n_samples)[0]
    return arrays


def _cli_models():
    from core.cli import CliModel

    return {
        "gan": CliModel(
            config=GanConfig,
            make_trainer=GanTrainer,
            final_metrics=GanTrainer.final_metrics,
            arrays=_cli_arrays,
            default_steps=4000,
            help="GAN on a 2D target or the 8x8 digits (defaults: the page's recommended preset; for digits add --noise-dim 16)",
        )
    }


CLI_MODELS = _cli_models()
