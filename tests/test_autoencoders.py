"""The bank of auto-encoders: independent members, error against latent size, live settings, CLI."""

from __future__ import annotations

import numpy as np
import torch

from core.autoencoders import AEBank, AEConfig, AETrainer
from core.cli import main as cli_main


def _train(trainer, n):
    return [trainer.step() for _ in range(n)]


def test_bank_members_are_independent_auto_encoders():
    bank = AEBank(64, (1, 4), (16,), "relu", sigmoid=True)
    x = torch.rand(8, 64)
    codes = bank.encode(x)  # (2, 8, 4)
    assert codes.shape == (2, 8, 4) and (codes[0, :, 1:] == 0).all()
    ((bank(x) - x) ** 2).mean(dim=(1, 2))[0].backward()  # AE 0's loss only
    assert bank.enc[0].weight.grad[1].abs().sum() == 0  # AE 1 gets no gradient from AE 0
    assert bank.enc[-1].weight.grad[0, :, 1:].abs().sum() == 0  # masked code units learn nothing


def test_ae_error_decreases_with_latent_size():
    t = AETrainer(AEConfig(data="digits", sizes=(1, 2, 4, 8, 16, 32), hidden=(64,)))
    before = t.test_errors()
    _train(t, 600)
    err = t.test_errors()
    assert (err < before).all()
    assert all(a > b for a, b in zip(err[:-1], err[1:])), err  # strictly better with a larger code
    assert err[0] > 3 * err[-1]


def test_ae_latent_switch_without_reset_and_samples_in_units():
    t = AETrainer(AEConfig(data="digits", latent=8, hidden=(32,)))
    _train(t, 30)
    t.set_latent(2)
    assert t.latent == 2 and t.step()["mse"] >= 0
    s = t.sample(50, seed=1)
    assert s.shape == (50, 64) and 0 <= s.min() and s.max() <= 16
    snap = t.snapshot()
    assert snap["recons_all"].shape == (6, 8, 64) and snap["test_mse"].shape == (6,)


def test_ae_set_live_switches_the_shown_model_and_learning_rate():
    t = AETrainer(AEConfig(data="digits", latent=8, hidden=(32,)))
    assert t.snapshot()["is_digits"] is True and int(t.snapshot()["latent"]) == 8
    t.set_live(latent=2, lr=0.01)
    assert t.latent == 2 and [g["lr"] for g in t.opt.param_groups] == [0.01]
    assert int(t.snapshot()["latent"]) == 2
    t.set_live(lr=0.001)  # one setting alone leaves the other as it is
    assert t.latent == 2 and t.opt.param_groups[0]["lr"] == 0.001


def test_ae_on_points_keeps_sizes_up_to_two():
    t = AETrainer(AEConfig(data="moons", latent=8))
    assert t.sizes == (1, 2) and t.latent == 2
    _train(t, 20)
    assert t.sample(10).shape == (10, 2) and t.snapshot()["codes"].shape[1] == 2
    assert t.snapshot()["is_digits"] is False


def test_cli_ae_on_a_target(tmp_path):
    assert cli_main(["train", "ae", "--data", "ring", "--steps", "30", "--out", str(tmp_path / "ae.npz")]) == 0
    ae = np.load(tmp_path / "ae.npz")
    assert ae["samples"].shape == (2000, 2) and list(ae["sizes"]) == [1, 2]
