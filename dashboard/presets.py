"""The pages' "Try this" ideas as presets: one click (or one link) sets the controls, with the lesson in one sentence.

Each list holds ``layout.Preset(name, lesson, {widget key: value})``; the values are the widgets' own
values (not their labels). A page shows them with ``layout.presets`` (sidebar buttons), ``layout.preset_note``
(the lesson of the one just chosen, and its link) and ``layout.preset_list`` (the links, in the explanation).
"""

from __future__ import annotations

from core.gan import RECOMMENDED
from core.gan import preset as gan_preset
from dashboard.layout import Preset

# GAN page: widget key -> GanConfig field (the preset select writes these)
GAN_FIELDS = {"loss": "loss", "zlaw": "noise", "zdim": "noise_dim", "gl": "g_depth", "gw": "g_width",
              "dl": "d_depth", "dw": "d_width", "dsteps": "d_steps", "lrg": "lr_g", "lrd": "lr_d",
              "batch": "batch_size", "pack": "pack"}


def gan_values(name: str, **more) -> dict:
    """The controls the named core preset sets (every field it fixes), plus ``more``."""
    cfg = gan_preset(name)
    return {"preset": name, **{key: getattr(cfg, field) for key, field in GAN_FIELDS.items()}, **more}


GAN = [
    Preset("Mode collapse", "D is much stronger and 20x faster than G: G piles its points on the few "
           "modes D rates highest, and the mode coverage stalls.", gan_values("mode collapse")),
    Preset("Packing off", "With packing 1, D judges one point at a time and cannot see that G covers "
           "some modes twice and others not at all: the modes fill unevenly.",
           gan_values(RECOMMENDED, pack=1)),
    Preset("Saturation", "The original min-max loss with 10 D steps per G step: D rejects G's points, "
           "and G's gradient |∇ₓ L_G| (under the picture) nearly vanishes. Press Step.",
           gan_values("original min-max (saturates)", dsteps=10)),
    Preset("1D noise", "One noise dimension: the manifold is a single curve, so G must draw thin "
           "bridges between the modes.", gan_values(RECOMMENDED, zdim=1)),
    Preset("25 modes", "The 25-Gaussian grid is much harder: in a minute G finds only some of the modes.",
           gan_values(RECOMMENDED, target="grid")),
]


# Arena page: the budget, its amount and the sampling
ARENA = [
    Preset("Equal time", "Every family trains for the same CPU seconds: cheap steps (EM, the VAE) take many of "
           "them, costly ones (the energy model's grid) few. Who uses its time best?",
           {"budget": "seconds", "secs": 20, "sampling": "standard"}),
    Preset("Equal steps", "Every family takes the same number of steps: read the training-time column, a step "
           "of one family is not a step of another.", {"budget": "steps", "steps": 2000, "sampling": "standard"}),
    Preset("Few sampling steps", "The same training, but the iterative samplers get about 10 network "
           "evaluations per sample: flow matching's straight paths keep most samples on the modes, DDPM loses "
           "some, and annealed Langevin with one step per noise level does not reach the data.",
           {"budget": "seconds", "secs": 20, "sampling": "few"}),
]
