"""Restoring damaged digits with the VAE as a prior: MAP in its latent space fills the missing pixels."""

from __future__ import annotations

import pytest
import torch

from core.errors import ConfigError
from core.restoration import RestoreConfig, RestoreTrainer, damage_mask


def test_damage_masks_remove_what_they_say():
    gen = torch.Generator().manual_seed(0)
    block = damage_mask("block", 0.5, 5, gen)
    assert block.shape == (5, 64) and torch.all((~block).sum(1) == 16)  # a 4x4 square erased in each
    half = damage_mask("half", 0.5, 2, gen).reshape(2, 8, 8)
    assert half[:, :4].all() and not half[:, 4:].any()  # the top half survives
    pixels = damage_mask("pixels", 0.3, 200, gen)
    assert 0.25 < float((~pixels).float().mean()) < 0.35


def test_the_prior_fills_the_missing_pixels_better_than_the_average_digit_and_keeps_the_rest():
    trainer = RestoreTrainer(RestoreConfig(damage="half", n_images=16, restarts=8, seed=0))
    first = trainer.step()
    for _ in range(149):
        last = trainer.step()
    assert last["objective"] < first["objective"]
    assert last["error_prior"] < 0.8 * last["error_mean_digit"], last
    snap = trainer.snapshot()
    kept = snap["mask"]
    assert (snap["restored"][kept] == snap["truth"][kept]).all()  # the pixels that survived stay as they were
    assert (snap["damaged"][~kept] == 0).all()


def test_bad_settings_are_refused():
    with pytest.raises(ConfigError):
        RestoreConfig(damage="smudge").validate()
    with pytest.raises(ConfigError):
        RestoreConfig(level=0.0).validate()
