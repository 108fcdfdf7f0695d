"""Named GAN settings for the pages' one-click presets: a stable recipe, two for sharp modes, and the failures
the lecture shows (mode collapse, the saturating original game), each as the fields that differ from
``GanConfig()``."""

from __future__ import annotations

from core.errors import ConfigError
from core.gan import GanConfig

PRESET_BASE = GanConfig()
# the sharp presets' three remedies for the points G leaves between sharp modes (core/gan.py): noise drawn from
# 50 tight clusters in 4 dimensions, random Fourier features in D's input, instance noise at the start
# instance noise fading over 4,000 steps, not 2,000: on the grid, 60 CPU s, seeds 0-5, run side by side in one
# hour, 6 of 6 seeds kept all 25 modes at 91-96 % against 3 of 6 (three left one or two modes empty)
SHARP_TOOLS = dict(noise_dim=4, latent_modes=50, d_fourier=3.0, instance_noise=0.35, instance_noise_steps=4000)
SHARP_RECIPE = dict(g_ema=0.999, lr_g=1e-3, lr_d=1e-3, lr_decay_steps=15_000, **SHARP_TOOLS)
PRESETS: dict[str, dict] = {  # name -> fields that differ from GanConfig()'s defaults
    # balanced learning rates, PacGAN packing of 2: all 8 ring modes within about 1,000 steps
    "stable (recommended)": {},
    # modes of std 0.02 (1 % of the ring's radius): samples drawn by an average of G's weights (Yazıcı et al.,
    # 2019) and both learning rates decaying over about the steps of 60 CPU s, so the points settle inside the
    # modes; and SHARP_TOOLS. After 60 CPU s (bench/bench_gan.py --tables sharp, seeds 0-5, 2026-12-02, a quiet
    # hour): ring 8/8 modes, 99.7-99.9 % high quality (recommended preset 74-97 %); grid 25/25 modes, 95.7-98.8 %
    # (recommended 5-23/25, 11-62 %). By steps (--tables steps): every seed meets the aim from 13,000 steps on;
    # in a slow hour one seed of three was at 86 % after 60 CPU s
    "sharp targets": SHARP_RECIPE,
    # the same game, and the drawn points filtered by Discriminator Rejection Sampling (core/gan_drs.py): the
    # misses between the grid's modes, which a continuous G cannot avoid, are rejected. After 60 CPU s (same
    # bench, D_φ' trained inside them): ring 8/8, 99.3-99.7 % of the accepted points (8-17 % accepted); grid
    # 25/25, 98.8-99.2 % (11-19 % accepted), G alone 93.7-98.5 % (in the slow hour: 24-25/25, G alone 80-88 %)
    "sharp targets + DRS": dict(SHARP_RECIPE, drs=True),
    # a discriminator far stronger and 20x faster than the generator, no packing: G piles its points
    # on the few modes D currently rates highest (3 of 8 on the ring at seed 0)
    "mode collapse": dict(pack=1, lr_g=1e-4, lr_d=2e-3, batch_size=64, d_width=256),
    "WGAN-GP": dict(loss="wgan-gp", pack=1, d_steps=5, lr_g=1e-4, lr_d=1e-4),
    "least squares": dict(loss="lsgan", pack=1),
    "original min-max (saturates)": dict(loss="minimax", pack=1),
}
RECOMMENDED = "stable (recommended)"
COLLAPSE = "mode collapse"
SHARP = "sharp targets"
SHARP_DRS = "sharp targets + DRS"


def preset(name: str, **overrides) -> GanConfig:
    """The named preset's config, with ``overrides`` (e.g. data, seed) on top."""
    if name not in PRESETS:
        raise ConfigError(f"Unknown preset '{name}': choose one of {', '.join(PRESETS)}.")
    return GanConfig(**{**PRESET_BASE.__dict__, **PRESETS[name], **overrides})
