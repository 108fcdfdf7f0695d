"""The VAE: ELBO parts, reparameterisation, β, samples in data units, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from core.cli import main as cli_main
from core.errors import ConfigError
from core.targets2d import make_target
from core.vae import VAE, VAEConfig, VAETrainer
from core import digits
from core.vectors import load_vectors, quality_report, sample

SMALL = dict(hidden=(64,), quality_every=0)


def _train(trainer, n):
    metrics = [trainer.step() for _ in range(n)]
    return metrics


def test_elbo_parts_are_finite_and_decrease_on_digits():
    t = VAETrainer(VAEConfig(data="digits", eval_every=25, **SMALL))
    first = t.evaluate()
    ms = _train(t, 400)
    last = t.evaluate()
    assert all(np.isfinite(v) for m in ms for v in m.values())
    assert last["test_recon"] < first["test_recon"] - 5  # nats per image
    assert last["test_loss"] < first["test_loss"] - 5
    assert last["test_kl"] > 0
    # the training loss is recon + β·KL
    m = ms[-1]
    assert m["loss"] == pytest.approx(m["recon"] + 1.0 * m["kl"], rel=1e-5)


def test_gaussian_decoder_on_a_ring_learns_and_elbo_decreases():
    t = VAETrainer(VAEConfig(data="ring", **SMALL))
    first = t.evaluate()
    _train(t, 400)
    last = t.evaluate()
    assert t.decoder == "gaussian"
    assert last["test_loss"] < first["test_loss"] - 0.5


def test_kl_matches_closed_form_and_monte_carlo():
    mu = torch.tensor([[0.5, -1.0]])
    log_std = torch.tensor([[-0.3, 0.2]])
    kl = VAE.kl(mu, log_std).item()
    q = torch.distributions.Normal(mu, log_std.exp())
    p = torch.distributions.Normal(torch.zeros(2), torch.ones(2))
    assert kl == pytest.approx(torch.distributions.kl_divergence(q, p).sum().item(), rel=1e-6)


def test_reparameterisation_gradient_reaches_the_encoder():
    model = VAE(64, 2, (32,), "relu", "bernoulli")
    x = torch.rand(16, 64)
    recon, kl = model.loss_parts(x, torch.Generator().manual_seed(0))
    recon.mean().backward()  # the reconstruction alone depends on the encoder only through z = μ + σ·ε
    enc_grads = [p.grad for p in model.encoder.parameters()]
    assert all(g is not None for g in enc_grads)
    last = list(model.encoder.parameters())[-1].grad  # bias of the (μ, log σ) layer
    assert last[:2].abs().sum() > 0 and last[2:].abs().sum() > 0  # both μ and log σ receive gradient


def test_beta_changes_the_loss_without_reset_and_zero_beta_grows_kl():
    t = VAETrainer(VAEConfig(data="digits", beta=1.0, **SMALL))
    _train(t, 50)
    t.set_beta(0.0)
    m = t.step()
    assert m["loss"] == pytest.approx(m["recon"], rel=1e-6)
    t0 = VAETrainer(VAEConfig(data="digits", beta=0.0, seed=1, **SMALL))
    t4 = VAETrainer(VAEConfig(data="digits", beta=4.0, seed=1, **SMALL))
    _train(t0, 300)
    _train(t4, 300)
    assert t0.evaluate()["test_kl"] > 2 * t4.evaluate()["test_kl"]


def test_vae_set_live_applies_beta_and_learning_rate():
    t = VAETrainer(VAEConfig(data="ring", beta=1.0, lr=0.003, **SMALL))
    t.set_live(beta=0.5, lr=0.01)
    assert t.beta == 0.5 and [g["lr"] for g in t.opt.param_groups] == [0.01]
    t.set_live(beta=2.0)  # one setting alone leaves the other as it is
    assert t.beta == 2.0 and t.opt.param_groups[0]["lr"] == 0.01
    m = t.step()
    assert m["loss"] == pytest.approx(m["recon"] + 2.0 * m["kl"], rel=1e-5)


def test_vae_snapshot_says_its_data_kind_and_latent_size():
    ring = VAETrainer(VAEConfig(data="ring", latent=3, **SMALL)).snapshot()
    assert ring["is_digits"] is False and ring["latent"] == 3
    snap = VAETrainer(VAEConfig(data="digits", latent=4, **SMALL)).snapshot()
    assert snap["is_digits"] is True and snap["latent"] == 4


def test_digit_samples_are_in_load_digits_units_and_deterministic():
    t = VAETrainer(VAEConfig(data="digits", **SMALL))
    _train(t, 20)
    s = sample(t, 37, seed=3)
    assert s.shape == (37, 64) and s.min() >= 0 and s.max() <= 16 and s.max() > 1  # not [0, 1]
    assert np.array_equal(s, t.sample(37, seed=3))
    assert not np.array_equal(s, t.sample(37, seed=4))


def test_point_samples_come_back_in_data_units():
    target = make_target("grid")  # modes at ±4: standardised data would have std ≈ 1
    t = VAETrainer(VAEConfig(data="grid", **SMALL), target=target)
    _train(t, 300)
    s = t.sample(2000, seed=0)
    assert s.shape == (2000, 2) and np.isfinite(s).all()
    assert 1.5 < s.std(0).min() < 5  # the grid's std is about 2.8 in its own units
    snap = t.snapshot()
    assert snap["post_mean"].shape == snap["post_std"].shape == (600, 2)
    assert (snap["post_std"] > 0).all() and snap["modes"].shape == (25, 2)
    assert snap["data"].std(0).min() > 1.5


def test_digit_snapshot_shapes_and_latent_plane():
    t = VAETrainer(VAEConfig(data="digits", latent=2, **SMALL))
    t.step()
    snap = t.snapshot()
    assert snap["inputs"].shape == snap["recons"].shape == (8, 64)
    assert snap["grid"].shape == (11, 11, 64) and snap["interp"].shape == (10, 64)
    assert snap["codes"].shape == (450, 2) and snap["labels"].shape == (450,)
    assert not snap["code_axes_pca"]
    assert all(np.isfinite(v).all() for v in snap.values() if np.issubdtype(np.asarray(v).dtype, np.floating))
    t8 = VAETrainer(VAEConfig(data="digits", latent=8, **SMALL))
    snap8 = t8.snapshot()
    assert snap8["codes"].shape == (450, 2) and snap8["code_axes_pca"]


def test_bad_configs_are_clear_errors():
    for bad in (dict(latent=0), dict(beta=-1.0), dict(lr=0.0), dict(decoder="poisson"), dict(hidden=(0,)),
                dict(data="nope")):
        with pytest.raises(ConfigError):
            VAETrainer(VAEConfig(**bad))
    with pytest.raises(ConfigError, match="Gaussian"):
        VAETrainer(VAEConfig(data="ring", decoder="bernoulli"))


# --------------------------------------------------------------------------- CLI


def test_cli_vae_writes_samples_in_data_units(tmp_path, capsys):
    out = tmp_path / "run.npz"
    code = cli_main(["train", "vae", "--data", "digits", "--steps", "60", "--seed", "1", "--hidden", "32",
                     "--n-samples", "300", "--out", str(out)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 60 and {"test_recon", "test_kl", "classes", "confident"} <= set(summary)
    assert 0 <= summary["precision"] <= 1 and 0 <= summary["recall"] <= 1
    saved = np.load(out)
    assert saved["samples"].shape == (300, 64) and saved["samples"].max() <= 16


def test_cli_vae_on_a_csv(tmp_path, capsys):
    pts = tmp_path / "pts.csv"
    rng = np.random.default_rng(0)
    pts.write_text("x1,x2\n" + "\n".join(f"{a},{b}" for a, b in rng.normal(5, 1, size=(200, 2))))
    assert cli_main(["train", "vae", "--data", str(pts), "--steps", "30", "--hidden", "16",
                     "--out", str(tmp_path / "v.npz")]) == 0
    v = np.load(tmp_path / "v.npz")
    assert v["samples"].shape == (2000, 2) and abs(v["samples"].mean() - 5) < 2
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "energy" in summary and "modes_captured" not in summary and "recall" not in summary


def _exact_log_p(model, x: torch.Tensor) -> torch.Tensor:
    """log p_θ(x) = log ∫ p_θ(x|z) N(z; 0, 1) dz by quadrature, for a model with a 1D latent."""
    z = torch.linspace(-10, 10, 4001)[:, None]  # (G, 1)
    dz = float(z[1] - z[0])
    out = model.decode(z)  # (G, d)
    log_lik = torch.stack([-model.recon_nll(xi.expand(len(z), -1), out) for xi in x])  # (B, G)
    log_prior = -0.5 * z[:, 0] ** 2 - 0.5 * math.log(2 * math.pi)
    return torch.logsumexp(log_lik + log_prior, 1) + math.log(dz)


def test_importance_sampled_log_p_lies_between_the_elbo_and_the_exact_log_p():
    t = VAETrainer(VAEConfig(data="ring", latent=1, hidden=(32, 32), quality_every=0, eval_every=1000))
    for _ in range(300):
        t.step()
    x = t.X_test  # (1000, 2)
    with torch.no_grad():
        exact = _exact_log_p(t.model, x)  # (B,)
        gen = torch.Generator().manual_seed(0)
        elbo = torch.stack([-sum(t.model.loss_parts(x, gen)) for _ in range(256)]).mean(0)  # E_q, 256 draws
        one = t.model.importance_log_p(x, 1, gen)
        big = t.model.importance_log_p(x, 4096, gen)
        assert elbo.mean().item() < exact.mean().item() - 0.02  # the ELBO is a lower bound (q is not the posterior)
        assert one.mean().item() == pytest.approx(elbo.mean().item(), abs=0.05)  # K = 1: the ELBO in expectation
        assert (big - exact).abs().mean().item() < 0.05  # K = 4096: log p_θ(x), example by example

        # a worse proposal (q four times wider than trained): the estimates climb with K towards log p_θ(x)
        t.model.encoder[-1].bias[t.model.latent:] += math.log(4.0)
        means = [torch.stack([t.model.importance_log_p(x, k, gen) for _ in range(4)]).mean().item()
                 for k in (1, 4, 16, 64, 1024)]
    assert all(a < b for a, b in zip(means, means[1:])), means
    assert means[0] < exact.mean().item() - 1.0 and means[-1] == pytest.approx(exact.mean().item(), abs=0.02)


def test_trainer_reports_elbo_and_log_p_on_the_test_set():
    t = VAETrainer(VAEConfig(quality_every=100))
    for _ in range(100):
        m = t.step()
    assert m["test_log_p"] > m["test_elbo"] and math.isfinite(m["test_elbo"])
    snap = t.snapshot()
    assert list(snap["iwae_k"]) == [1, 4, 16, 64] and snap["log_p_by_k"][-1] == pytest.approx(m["test_log_p"])
    assert snap["log_p_by_k"][0] < snap["log_p_by_k"][-1]
    assert len(VAETrainer(VAEConfig()).snapshot()["log_p_by_k"]) == 0  # nothing measured yet


def test_digit_quality_has_precision_and_recall_against_the_test_digits():
    data = load_vectors("digits")
    pick = np.random.default_rng(0).choice(len(data.x_train), len(data.x_test), replace=False)
    q = quality_report(digits.to_pixels(data.x_train[pick]), data)  # other real digits: the yardstick
    assert q["precision"] > 0.85 and q["recall"] > 0.85, q
    one = np.repeat(digits.to_pixels(data.x_test[:1]), 2000, 0)  # a collapsed generator: one digit
    q = quality_report(one, data)
    assert q["precision"] == 1.0 and q["recall"] < 0.05, q
    t = VAETrainer(VAEConfig(quality_every=50, **{k: v for k, v in SMALL.items() if k != "quality_every"}))
    m = t.step()
    assert {"precision", "recall"} <= set(m) and 0 <= m["precision"] <= 1 and m["recall"] < 0.2, m  # untrained
    assert "recall" not in VAETrainer(VAEConfig(data="ring", quality_every=50)).step()


def test_beta_4_collapses_the_posterior_on_digits_as_the_page_says():
    """pages/autoencoders.py's β = 4 note (its preset's network): the KL stays at about 0 from the start, every
    input decodes to the same digit, and the reconstruction is worse than at β = 1, which uses its code."""
    runs = {}
    for beta in (4.0, 1.0):
        t = VAETrainer(VAEConfig(data="digits", latent=2, hidden=(128, 128), decoder="bernoulli", lr=0.003,
                                 beta=beta, seed=0, quality_every=0))
        kls = []
        for i in range(1, 1001):
            t.step()
            if i % 200 == 0:
                kls.append(t.evaluate()["test_kl"])
        snap = t.snapshot()
        runs[beta] = (kls, float(snap["recons"].std(0).mean()), float(snap["inputs"].std(0).mean()),
                      t.evaluate()["test_recon"])
    kls4, spread4, inputs_spread, recon4 = runs[4.0]
    kls1, spread1, _, recon1 = runs[1.0]
    assert max(kls4) < 0.02 and kls1[-1] > 1.0  # collapsed onto the prior, against a code in use
    assert spread4 < 0.01 < 0.1 < spread1 and inputs_spread > 0.15  # 8 different inputs, 8 identical outputs
    assert recon4 > recon1 + 3.0  # nats per test digit: the reconstruction pays for it
