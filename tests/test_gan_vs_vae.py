"""core/gan_vs_vae.py: both models on the same data, measured the same way."""

from __future__ import annotations

import numpy as np
import pytest

from core.gan_presets import COLLAPSE, RECOMMENDED
from core.gan_vs_vae import N_IMAGES, N_POINTS, gan_side, vae_side
from core.targets2d import make_target

RING = make_target("ring")


def test_both_sides_share_the_reference_and_report_the_same_metrics():
    gan, vae = gan_side(RING, 0, RECOMMENDED), vae_side(RING, 0, 2, 1.0)
    assert np.array_equal(gan.reference, vae.reference)
    mg, mv = gan.step(), vae.step()
    wanted = {"energy", "modes_captured", "high_quality"}
    assert wanted <= set(mg) and wanted <= set(mv)
    assert {"d_loss", "g_loss"} <= set(mg) and {"loss", "recon", "kl"} <= set(mv)
    for side in (gan, vae):
        snap = side.snapshot()
        assert snap["samples"].shape == (N_POINTS, 2) and np.isfinite(snap["samples"]).all()
        assert snap["is_digits"] is False and np.array_equal(snap["modes"], RING.modes)


def test_set_live_reaches_the_inner_trainer():
    vae = vae_side(RING, 0, 2, 1.0)
    vae.set_live(beta=4.0)
    assert vae.inner.beta == 4.0
    m = vae.step()
    assert m["loss"] == pytest.approx(m["recon"] + 4.0 * m["kl"], rel=1e-5)
    gan = gan_side(RING, 0, RECOMMENDED)
    gan.set_live(lr_d=1e-3)
    assert gan.inner.opt_d.param_groups[0]["lr"] == 1e-3


def test_measuring_does_not_change_training():
    """Sampling for pictures uses fixed noise: a watched run trains exactly as an unwatched one."""
    a, b = gan_side(RING, 3, COLLAPSE), gan_side(RING, 3, COLLAPSE)
    for _ in range(5):
        ma = a.step()
        b.snapshot()
        b.measure()
        mb = b.step()
    assert ma == mb


def test_non_mixture_targets_report_energy_only():
    moons = make_target("moons")
    side = gan_side(moons, 0, RECOMMENDED)
    m = side.step()
    assert "energy" in m and "modes_captured" not in m
    assert "modes" not in side.snapshot()


def test_digits_sides_draw_pixels_and_are_judged():
    gan, vae = gan_side(None, 0, RECOMMENDED), vae_side(None, 0, 2, 1.0)
    assert gan.inner.cfg.noise_dim == 16
    for side in (gan, vae):
        m = side.step()
        assert {"confident", "classes"} <= set(m)
        snap = side.snapshot()
        assert snap["images"].shape == (N_IMAGES, 64)
        assert snap["images"].min() >= 0 and snap["images"].max() <= 16
        assert snap["class_counts"].shape == (10,) and snap["is_digits"] is True


def test_on_the_ring_the_gan_is_sharper_and_the_vae_blurrier():
    """The lecture's point, measured: after equal steps both cover the 8 modes, but the VAE spreads
    its samples between them (about 0.74 against 0.40 high quality at seed 0). At 1,200 steps the VAE
    is still reaching its last modes (6-8 of 8 over seeds 0-4); by 1,600 it covers all 8 at seeds 0-4."""
    gan, vae = gan_side(RING, 0, RECOMMENDED), vae_side(RING, 0, 2, 1.0)
    for _ in range(1600):
        gan.step()
        vae.step()
    g, v = gan.measure(), vae.measure()
    assert g["modes_captured"] == v["modes_captured"] == 8
    assert g["high_quality"] > v["high_quality"] + 0.15
