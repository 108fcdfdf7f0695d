"""core/gan_drs.py and the GAN trainer's DRS option: the acceptance rule, its numerics and bounds, D_φ'."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from core.errors import ConfigError
from core.gan import DRS_EVERY, N_EVAL, N_SHOW, GanConfig, GanTrainer
from core.gan_drs import Rejector, accept, log_acceptance, threshold
from core.gan_presets import SHARP, SHARP_DRS, preset

SMALL = dict(g_width=32, d_width=32, g_depth=2, d_depth=2, batch_size=64, eval_every=5)


def log_normal(x: torch.Tensor, mean: tuple[float, float]) -> torch.Tensor:
    """log N(x; mean, I) in 2D."""
    return -0.5 * ((x - torch.tensor(mean, dtype=x.dtype)) ** 2).sum(1) - np.log(2 * np.pi)


def test_the_optimal_ratio_removes_the_extra_mode():
    # p_data = N(0, I); G puts half its mass there and half on an extra mode at (6, 0)
    g = torch.Generator().manual_seed(0)
    n = 20_000
    x = torch.randn(n, 2, generator=g, dtype=torch.float64)
    extra = torch.rand(n, generator=g) < 0.5
    x[extra, 0] += 6.0
    log_p = log_normal(x, (0.0, 0.0))
    log_q = np.log(0.5) + torch.logaddexp(log_p, log_normal(x, (6.0, 0.0)))
    r = log_p - log_q  # the logit of D*: log 2 on the data's mode, about −6·x₁ + 18 towards the extra one
    ok = accept(r, threshold(r), 1.0 - torch.rand(n, generator=g, dtype=torch.float64))
    kept = x[ok]
    assert 0.46 < ok.double().mean() < 0.54  # 1 / M = 1/2 of the proposals
    assert (kept[:, 0] > 3.0).double().mean() < 0.01  # p_data puts 0.13 % beyond x₁ = 3
    assert abs(kept[:, 0].mean()) < 0.05 and 0.9 < kept[:, 0].std() < 1.1  # N(0, 1) again
    assert (x[~extra][:, 0] > 3.0).double().mean() < 0.01  # (the data's own tail, for scale)


def test_huge_logits_give_no_nan_and_acceptance_stays_a_probability():
    r = torch.tensor([1e4, -1e4, 0.0, float("inf"), float("-inf"), float("nan"), 1e300, -1e300], dtype=torch.float64)
    la = log_acceptance(r, r_hat=1e4)
    assert not torch.isnan(la).any() and (la <= 0).all()
    assert la[0] == 0 and la[3] == 0 and la[6] == 0 and la[1] == -2e4 and np.isfinite(la[7])
    assert la[5] == -np.inf  # a NaN logit is rejected
    a = torch.exp(la)
    assert ((0 <= a) & (a <= 1)).all()
    t = threshold(r)
    assert np.isfinite(t)
    ok = accept(r, t, torch.full((len(r),), 0.5, dtype=torch.float64))
    assert not ok[5] and ok[3]
    float32_logits = torch.tensor([1e4, 3e38], dtype=torch.float32)  # would overflow exp() in float32
    assert torch.isfinite(log_acceptance(float32_logits, 0.0)).all()


class Fixed(nn.Module):
    """A known discriminator: logit −1000·|x|²."""

    def forward(self, x):
        return -1000.0 * (x ** 2).sum(1)


def test_rejection_is_bounded_and_reports_a_low_acceptance():
    rj = Rejector(2, seed=0)
    rj.D = Fixed()
    g = torch.Generator().manual_seed(1)
    calls = []

    def propose(k):
        calls.append(k)
        return torch.randn(k, 2, generator=g)

    out = rj.sample(propose, n=100, max_proposals=3)
    assert sum(calls) == len(out.proposals) == 300  # stopped at the cap
    assert out.accepted.sum() < 100 and out.rate == pytest.approx(out.accepted.double().mean().item())
    assert 0.0 < out.rate < 0.2
    easy = rj.sample(lambda k: torch.zeros(k, 2), n=100, max_proposals=3)  # every point at the maximum
    assert len(easy.proposals) <= 300 and easy.accepted.sum() >= 100 and easy.rate == 1.0


def test_the_fourier_discriminator_learns_to_reject_the_bridges_between_narrow_modes():
    # the sharp grid in standardised units: 25 modes 0.7 apart, std 0.007; the sampler puts a third of its
    # points on the bridges (uniform over the square), as a continuous G does
    g = torch.Generator().manual_seed(2)
    modes = torch.cartesian_prod(*(torch.linspace(-1.4, 1.4, 5),) * 2)  # (25, 2)
    rj = Rejector(2, seed=3)

    def data(n):
        return modes[torch.randint(0, 25, (n,), generator=g)] + 0.007 * torch.randn(n, 2, generator=g)

    def fake(n):
        x = data(n)
        x[: n // 3] = torch.rand(n // 3, 2, generator=g) * 3.2 - 1.6
        return x

    for _ in range(400):
        rj.update(data(256), fake(256))
    x = fake(6000)
    out = rj.judge(x, rj.uniforms(len(x)))
    far = torch.cdist(x, modes).min(1).values > 0.05  # 7 stds from every mode
    assert out.accepted[far].double().mean() < 0.1  # the bridges are rejected
    assert out.accepted[~far].double().mean() > 3 * out.accepted[far].double().mean()
    assert out.accepted[~far].double().mean() > 0.5  # the modes kept (ideally 1)


def test_trainer_reports_g_alone_and_after_rejection_and_the_game_is_unchanged():
    plain = GanTrainer(GanConfig(**SMALL))
    t = GanTrainer(GanConfig(drs=True, **SMALL))
    for _ in range(10):  # the last step evaluates (eval_every 5)
        m0, m = plain.step(), t.step()
    for a, b in zip(plain.G.parameters(), t.G.parameters()):  # D_φ' draws from its own stream
        assert torch.equal(a, b)
    assert {k: v for k, v in m.items() if not k.startswith("drs_")} == m0
    assert 0 < m["drs_acceptance"] <= 1 and {"drs_high_quality", "drs_modes_captured", "drs_energy"} <= set(m)
    assert t.rejector.updates == len(range(0, 10, DRS_EVERY))  # at steps 0, 4, 8
    snap = t.snapshot()
    assert snap["accepted"].shape == (N_SHOW,) and snap["accepted"].dtype == bool
    assert snap["drs_acceptance"] == pytest.approx(t.shown_rejection().mean())
    assert t.shown_rejection().sum() == pytest.approx(m["drs_acceptance"] * N_EVAL)
    final = t.final_metrics()
    assert 0 < final["drs_acceptance"] <= 1 and final["drs_kept"] <= t.cfg.n_samples
    assert final["high_quality"] == pytest.approx(plain.final_metrics()["high_quality"])


def test_drs_is_off_by_default_and_for_2d_only():
    assert GanConfig().drs is False and preset(SHARP).drs is False and preset(SHARP_DRS).drs is True
    assert {k: v for k, v in preset(SHARP_DRS).__dict__.items() if k != "drs"} == \
        {k: v for k, v in preset(SHARP).__dict__.items() if k != "drs"}
    with pytest.raises(ConfigError, match="2D"):
        GanTrainer(GanConfig(data="digits", drs=True, noise_dim=16, **SMALL))


def test_gan_against_vae_compares_generators_without_the_filter():
    from core.gan_vs_vae import gan_side
    from core.targets2d import make_target

    side = gan_side(make_target("ring"), 0, SHARP_DRS)
    assert side.inner.rejector is None and side.inner.cfg.g_ema == preset(SHARP_DRS).g_ema
    assert gan_side(None, 0, SHARP_DRS, noise_dim=16).inner.rejector is None  # digits: no ConfigError
