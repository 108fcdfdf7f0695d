"""Diffusion (DDPM / DDIM): schedules, the reverse step, sampling shapes and units, quality at a fixed seed."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from core.cli import main as cli_main
from core.diffusion import (DiffusionConfig, DiffusionTrainer, NoiseSchedule, make_betas,
                            reverse_step)
from core.errors import ConfigError
from core.targets2d import load_target


@pytest.fixture(scope="module")
def trained():
    """DDPM on the ring, seed 0, 4,000 steps (the recommended preset otherwise)."""
    trainer = DiffusionTrainer(DiffusionConfig(data="ring", seed=0, lr_decay_steps=4000))
    for _ in range(4000):
        trainer.step()
    return trainer


@pytest.mark.parametrize("kind", ["linear", "cosine"])
@pytest.mark.parametrize("T", [2, 10, 200, 1000])
def test_schedules_are_monotone_and_reach_noise(kind, T):
    sched = NoiseSchedule(kind, T)
    assert sched.betas.shape == (T,) and np.all((sched.betas > 0) & (sched.betas < 1))
    assert np.all(np.diff(sched.alpha_bars) < 0)  # ᾱ_t strictly decreasing: ever more noise
    if kind == "linear":
        assert np.all(np.diff(sched.betas) > 0)
    if T >= 200:
        assert sched.alpha_bars[-1] < 0.01 and sched.alpha_bars[0] > 0.99


def test_cosine_schedule_follows_its_closed_form():
    T, s = 100, 0.008
    ab = NoiseSchedule("cosine", T).alpha_bars
    f = lambda t: math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2  # noqa: E731
    for t in (0, 10, 50, 90):
        assert ab[t] == pytest.approx(f(t + 1) / f(0), rel=1e-9)


def test_linear_schedule_of_ho_et_al_at_T_1000():
    betas = make_betas("linear", 1000)
    assert betas[0] == pytest.approx(1e-4) and betas[-1] == pytest.approx(0.02)


@pytest.mark.parametrize("steps", [1, 2, 7, 50, 200, 500])
def test_sampling_timesteps_distinct_from_T_down_to_0(steps):
    taus = NoiseSchedule("cosine", 200).timesteps(steps)
    assert len(taus) == min(steps, 200) and taus[0] == 199 and np.all(np.diff(taus) < 0)
    if steps > 1:
        assert taus[-1] == 0


def test_reverse_step_eta_1_is_the_ddpm_update_of_ho_et_al():
    sched = NoiseSchedule("linear", 50)
    gen = torch.Generator().manual_seed(0)
    x, eps = torch.randn(2, 20, 2, generator=gen, dtype=torch.float64)
    for t in (49, 20, 1):
        ab_t, ab_prev = sched.alpha_bars[t], sched.alpha_bars[t - 1]
        beta, alpha = sched.betas[t], 1 - sched.betas[t]
        mean, sigma = reverse_step(x, eps, ab_t, ab_prev, eta=1.0)
        ho_mean = (x - beta / math.sqrt(1 - ab_t) * eps) / math.sqrt(alpha)
        assert torch.allclose(mean, ho_mean, atol=1e-10)
        assert sigma**2 == pytest.approx((1 - ab_prev) / (1 - ab_t) * beta)  # β̃_t


def test_reverse_step_eta_0_is_deterministic_and_exact_for_the_true_noise():
    """If ε is the noise that made x_t from x_0, DDIM maps x_t to exactly √ᾱ_prev x_0 + √(1-ᾱ_prev) ε."""
    sched = NoiseSchedule("cosine", 100)
    gen = torch.Generator().manual_seed(1)
    x0, eps = torch.randn(2, 10, 2, generator=gen, dtype=torch.float64)
    ab_t, ab_prev = sched.alpha_bars[80], sched.alpha_bars[30]
    xt = math.sqrt(ab_t) * x0 + math.sqrt(1 - ab_t) * eps
    mean, sigma = reverse_step(xt, eps, ab_t, ab_prev, eta=0.0)
    assert sigma == 0.0
    assert torch.allclose(mean, math.sqrt(ab_prev) * x0 + math.sqrt(1 - ab_prev) * eps, atol=1e-10)


def test_sample_shapes_nfe_and_paths():
    trainer = DiffusionTrainer(DiffusionConfig(T=50))
    trainer.step()
    x = trainer.sample(64, 10, "ddpm", seed=0)
    assert x.shape == (64, 2) and trainer.last_nfe == 10
    x, paths = trainer.sample(5, 7, "ddim", seed=1, return_paths=True)
    assert paths.shape == (8, 5, 2) and np.array_equal(paths[-1], x) and trainer.last_nfe == 7
    trainer.sample(3, 500, "ddpm")
    assert trainer.last_nfe == 50  # never more steps than T


def test_ddim_is_deterministic_and_ddpm_is_not_given_the_start():
    trainer = DiffusionTrainer(DiffusionConfig(T=50))
    for _ in range(20):
        trainer.step()
    a, pa = trainer.sample(100, 20, "ddim", seed=3, return_paths=True)
    b = trainer.sample(100, 20, "ddim", seed=3)
    assert np.array_equal(a, b)
    c, pc = trainer.sample(100, 20, "ddpm", seed=3, return_paths=True)
    assert np.array_equal(pa[0], pc[0])  # same x_T from the same seed ...
    assert not np.allclose(a, c)  # ... but DDPM adds fresh noise on the way


def test_one_step_ddim_is_the_denoised_estimate():
    trainer = DiffusionTrainer(DiffusionConfig(T=100))
    for _ in range(10):
        trainer.step()
    x, paths = trainer.sample(50, 1, "ddim", seed=5, return_paths=True)
    xT = trainer.pool.std.to_model(paths[0])
    ab = trainer.sched.alpha_bars[-1]
    x0 = (xT - math.sqrt(1 - ab) * trainer.eps(xT, 99)) / math.sqrt(ab)
    x0 = np.clip(x0, -trainer.pool.bound, trainer.pool.bound)
    assert np.allclose(trainer.pool.std.to_model(x), x0, atol=1e-4)


def test_forward_process_dissolves_the_data_into_standard_noise():
    trainer = DiffusionTrainer(DiffusionConfig(T=200, schedule="cosine", data="grid"))
    panels = trainer.snapshot()["forward"]  # (F, 400, 2) data units
    first, last = trainer.pool.std.to_model(panels[0]), trainer.pool.std.to_model(panels[-1])
    assert np.allclose(panels[0], trainer.pool.data[:400])
    assert abs(last.std() - 1) < 0.1 and abs(np.corrcoef(first[:, 0], last[:, 0])[0, 1]) < 0.15


def test_trained_ddpm_captures_every_ring_mode_in_data_units(trained):
    for method in ("ddpm", "ddim"):
        x = trained.sample(2000, 100, method, seed=1)
        radius = np.linalg.norm(x, axis=1)
        assert abs(np.median(radius) - 2.0) < 0.05  # the ring's radius in data units, not std units
        from core.noise_conditional import report
        r = report(x, trained.target, trained.reference)
        assert r["modes_captured"] == 8 and r["high_quality"] >= 0.9, (method, r)


def test_trained_eps_matches_the_exact_noise_predictor_at_noisy_data(trained):
    """ε*(x_t) = −√(1−ᾱ_t)·∇ log p_t(x_t): compare where the noised data lie."""
    from core.gmm_exact import score
    rng = np.random.default_rng(0)
    for t in (20, 100, 180):
        ab = trained.sched.alpha_bars[t]
        x0 = trained.pool.std.to_model(trained.target.sample(1000, rng=rng))
        xt = math.sqrt(ab) * x0 + math.sqrt(1 - ab) * rng.standard_normal(x0.shape)
        exact = -math.sqrt(1 - ab) * score(xt, trained.pool.std.mixture(trained.target), math.sqrt(ab), math.sqrt(1 - ab))
        err = np.linalg.norm(trained.eps(xt, t) - exact, axis=1).mean() / np.linalg.norm(exact, axis=1).mean()
        assert err < 0.25, (t, err)


def test_quality_curve_for_both_samplers(trained):
    q = trained.measure_quality(n=300, steps=(1, 10, 100))
    assert list(q["quality_steps"]) == [1, 10, 100]
    for m in ("ddpm", "ddim"):
        hq = q[f"quality_{m}_high_quality"]
        assert hq.shape == (3,) and hq[-1] > hq[0]  # one step cannot produce sharp modes


def test_snapshot_is_finite_and_non_mixtures_report_energy_only():
    trainer = DiffusionTrainer(DiffusionConfig(data="moons", T=20, quality_every=1, view_samples=50))
    trainer.step()
    snap = trainer.snapshot()
    assert all(np.isfinite(v).all() for v in snap.values() if not isinstance(v, str))  # the sampler's name
    assert "quality_ddpm_energy" in snap and "quality_ddpm_high_quality" not in snap
    assert snap["samples"].shape == (50, 2)


def test_sampling_settings_apply_without_retraining():
    trainer = DiffusionTrainer(DiffusionConfig(T=50))
    trainer.step()
    weights = [p.clone() for p in trainer.model.parameters()]
    trainer.set_sampling("ddim", 5)
    assert trainer.cfg.sampler == "ddim" and trainer.cfg.sample_steps == 5 and trainer.steps == 1
    assert all(torch.equal(a, b) for a, b in zip(weights, trainer.model.parameters()))
    with pytest.raises(ConfigError):
        trainer.set_sampling("euler", 5)


def test_set_live_applies_lr_and_sampler_and_the_snapshot_says_what_the_page_shows():
    trainer = DiffusionTrainer(DiffusionConfig(data="grid", T=50, view_samples=20, view_paths=2))
    trainer.step()
    trainer.set_live(lr=1e-3, sampler="ddim", sample_steps=7)
    assert trainer.lr == 1e-3 and (trainer.cfg.sampler, trainer.cfg.sample_steps) == ("ddim", 7)
    trainer.set_live(sample_steps=4)  # the others are kept
    assert (trainer.lr, trainer.cfg.sampler, trainer.cfg.sample_steps) == (1e-3, "ddim", 4)
    snap = trainer.snapshot()
    assert (snap["sampler"], snap["sample_steps"]) == ("ddim", 4) and snap["paths"].shape[0] == 5
    assert np.array_equal(snap["modes"], trainer.target.modes)
    # the page noises the forward panel's data itself: the snapshot carries the model's standardisation
    assert isinstance(snap["data_scale"], float)
    x = snap["forward"][0]
    assert np.allclose((x - snap["data_mean"]) / snap["data_scale"], trainer.pool.std.to_model(x))
    with pytest.raises(ConfigError):
        trainer.set_live(sampler="euler")
    assert "modes" not in DiffusionTrainer(DiffusionConfig(data="moons", T=20, view_samples=10)).snapshot()


@pytest.mark.parametrize("bad", [dict(schedule="sigmoid"), dict(T=1), dict(sampler="euler"), dict(lr=0.0),
                                 dict(hidden=()), dict(sample_steps=0), dict(ema=1.0), dict(data="nope"),
                                 dict(fourier=13)])
def test_bad_config_is_a_clear_error(bad):
    with pytest.raises(ConfigError):
        DiffusionTrainer(DiffusionConfig(**bad))


def test_csv_target_and_cli(tmp_path, capsys):
    pts = load_target("ring", 0.05).sample(300, seed=0)
    path = tmp_path / "pts.csv"
    path.write_text("x1,x2\n" + "\n".join(f"{a},{b}" for a, b in pts))
    out = tmp_path / "run.npz"
    code = cli_main(["train", "ddpm", "--data", str(path), "--steps", "30", "--sample-steps", "5",
                     "--n-samples", "200", "--T", "50", "--out", str(out)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 30 and summary["nfe"] == 5 and "energy" in summary
    saved = np.load(out)
    assert saved["samples"].shape == (200, 2) and saved["paths"].shape[0] == 6


def test_the_best_noise_guess_is_the_score_scaled_by_minus_the_noise_std():
    """The diffusion page's ε ↔ score relation, on a mixture where both are exact: the best ε guess
    E[ε | x_t] = (x_t − √ᾱ·E[x₀ | x_t]) / √(1−ᾱ) equals −√(1−ᾱ)·∇ log p_t(x_t) (Tweedie)."""
    from core import gmm_exact

    mixture = (np.array([0.5, 0.3, 0.2]), np.array([[2.0, 0.0], [-1.0, 1.5], [0.0, -2.0]]), np.array([0.1, 0.2, 0.3]))
    x = np.random.default_rng(0).normal(size=(200, 2)) * 2
    for alpha_bar in (0.98, 0.5, 0.02):
        a, s = np.sqrt(alpha_bar), np.sqrt(1 - alpha_bar)
        eps_best = (x - a * gmm_exact.denoiser(x, mixture, a, s)) / s
        assert np.allclose(eps_best, -s * gmm_exact.score(x, mixture, a, s), atol=1e-9)
