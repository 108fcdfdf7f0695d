"""Flow matching: solvers, OT batches, the learned field against the exact one, units, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core.cli import main as cli_main
from core.errors import ConfigError
from core.flow import FlowConfig, FlowTrainer
from core.ode import integrate, steps_for_nfe
from core.targets2d import make_target, points_from_csv
from core.transport import pairing_cost


@pytest.mark.parametrize("solver, order", [("euler", 1), ("midpoint", 2), ("rk4", 4)])
def test_solvers_integrate_a_linear_ode_to_their_order(solver, order):
    """dx/dt = -2 t x (time-dependent, so the solver's t matters): x(1) = x(0)·e^-1."""
    x0 = torch.tensor([[1.0, -2.0]], dtype=torch.float64)
    exact = x0.numpy() * np.exp(-1.0)
    errs = []
    for steps in (8, 16, 32):
        x1, _ = integrate(lambda t, x: -2 * t * x, x0, steps, solver)
        errs.append(np.abs(x1.numpy() - exact).max())
    rates = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(np.abs(rates - order) < 0.3), rates


def test_integrate_keeps_the_path_and_nfe_budget_fits():
    x0 = torch.zeros(5, 2)
    x1, path = integrate(lambda t, x: torch.ones_like(x), x0, 4, "rk4", keep_path=True)
    assert path.shape == (5, 5, 2) and torch.allclose(x1, torch.ones(5, 2))
    assert steps_for_nfe(100, "euler") == 100 and steps_for_nfe(100, "midpoint") == 50
    assert steps_for_nfe(100, "rk4") == 25 and steps_for_nfe(3, "rk4") == 1
    with pytest.raises(ConfigError):
        integrate(lambda t, x: x, x0, 2, "leapfrog")


def test_trainer_batches_with_ot_pair_closer_points_also_beyond_one_chunk():
    plain = FlowTrainer(FlowConfig(data="grid", batch_size=600, seed=0))
    ot = FlowTrainer(FlowConfig(data="grid", batch_size=600, seed=0, ot=True))
    (a0, a1), (b0, b1) = plain.batch(), ot.batch()
    assert torch.equal(a1, b1) and sorted(b0[:, 0].tolist()) == sorted(a0[:, 0].tolist())  # same points
    assert pairing_cost(b0.numpy(), b1.numpy()) < 0.6 * pairing_cost(a0.numpy(), a1.numpy())


def test_exact_field_is_the_velocity_of_the_trained_path_in_data_units():
    """Monte Carlo in DATA units: x0 = mean + scale·N(0, I), x1 ~ target; E[x1 - x0 | x_t ≈ q] = exact(q)."""
    target = make_target("ring", 0.3)
    trainer = FlowTrainer(FlowConfig(data="ring", spread=0.3, seed=0), target)
    rng = np.random.default_rng(2)
    t, n = 0.6, 1_000_000
    x1 = target.sample(n, rng=rng)
    x0 = trainer.std.mean + trainer.std.scale * rng.normal(size=(n, 2))
    xt = (1 - t) * x0 + t * x1
    query = np.array([[0.8, 0.6], [-0.9, 0.1]])
    for q, v in zip(query, trainer.exact_velocity(query, t)):
        near = np.linalg.norm(xt - q, axis=1) < 0.08
        assert near.sum() > 1000
        assert np.allclose((x1 - x0)[near].mean(0), v, atol=0.12)


def test_velocity_regression_approaches_the_exact_field_on_the_ring():
    trainer = FlowTrainer(FlowConfig(data="ring", spread=0.2, seed=0, eval_every=10**9))
    before = trainer.field_error(0.5)
    for _ in range(1500):
        trainer.step()
    after = [trainer.field_error(t) for t in (0.25, 0.5, 0.75)]
    assert before > 0.8
    assert max(after) < 0.1, after


def test_samples_come_back_in_data_units():
    rng = np.random.default_rng(0)
    pts = np.concatenate([rng.normal([100.0, 50.0], 1.0, (300, 2)), rng.normal([130.0, 50.0], 1.0, (300, 2))])
    target = points_from_csv("\n".join(f"{a},{b}" for a, b in pts).encode())
    trainer = FlowTrainer(FlowConfig(seed=0, eval_every=10**9), target)
    for _ in range(400):
        trainer.step()
    x = trainer.sample(1000, steps=20)
    assert np.allclose(x.mean(0), pts.mean(0), atol=3.0)
    assert np.allclose(x.std(0), pts.std(0), rtol=0.3, atol=1.0)
    snap = trainer.snapshot()
    assert "exact" not in snap and snap["learned"].shape == snap["grid"].shape == (225, 2)
    assert np.abs(snap["grid"] - [115.0, 50.0]).max() < 40  # the field is drawn around the data


def test_evaluation_measures_quality_and_set_view_changes_nfe_without_retraining():
    trainer = FlowTrainer(FlowConfig(data="ring", seed=0, eval_every=100, eval_samples=200))
    for _ in range(100):
        metrics = trainer.step()
    assert {"energy", "high_quality", "modes_captured", "straightness", "deviation"} <= set(metrics)
    weights = [p.clone() for p in trainer.model.parameters()]
    trainer.set_view(t=0.3, solver="rk4", nfe=12)
    assert trainer.nfe == 12 and trainer.n_steps == 3
    snap = trainer.snapshot()
    assert snap["paths"].shape[0] == 4 and float(snap["t"]) == 0.3
    assert all(torch.equal(a, b) for a, b in zip(weights, trainer.model.parameters()))


def test_set_live_applies_lr_and_view_and_the_snapshot_says_what_the_page_shows():
    trainer = FlowTrainer(FlowConfig(data="grid", seed=0, eval_every=10, eval_samples=50))
    for _ in range(10):
        trainer.step()
    trainer.set_live(lr=0.01, t=0.7, solver="midpoint", nfe=8)
    assert trainer.lr == 0.01 and all(g["lr"] == 0.01 for g in trainer.opt.param_groups)
    assert (trainer.t_view, trainer.solver, trainer.n_steps, trainer.nfe) == (0.7, "midpoint", 4, 8)
    trainer.set_live(nfe=4)  # the others are kept
    assert (trainer.lr, trainer.t_view, trainer.solver, trainer.nfe) == (0.01, 0.7, "midpoint", 4)
    snap = trainer.snapshot()
    assert snap["solver"] == "midpoint" and int(snap["nfe"]) == 4 and float(snap["t"]) == 0.7
    assert snap["paths"].shape[0] == 3  # re-measured with the live solver: 2 midpoint steps
    assert snap["eval_every"] == 10 and np.array_equal(snap["modes"], trainer.target.modes)
    with pytest.raises(ConfigError):
        trainer.set_live(solver="leapfrog")


def test_same_seed_same_samples():
    a, b = (FlowTrainer(FlowConfig(seed=3, eval_every=10**9)) for _ in range(2))
    for _ in range(20):
        a.step(), b.step()
    assert np.array_equal(a.sample(50, steps=5), b.sample(50, steps=5))


@pytest.mark.parametrize("bad", [dict(solver="leapfrog"), dict(depth=0), dict(lr=-1.0), dict(ema=1.0),
                                 dict(sample_steps=0), dict(data="nope")])
def test_bad_settings_raise_a_readable_error(bad):
    with pytest.raises(ConfigError):
        FlowTrainer(FlowConfig(**bad))


def test_cli_trains_and_writes_samples_in_data_units(tmp_path, capsys):
    out = tmp_path / "run.npz"
    code = cli_main(["train", "flow", "--data", "grid", "--steps", "60", "--sample-steps", "5",
                     "--solver", "midpoint", "--seed", "1", "--out", str(out)])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and summary["steps"] == 60 and summary["nfe"] == 10 and summary["solver"] == "midpoint"
    assert {"energy", "high_quality", "modes_captured", "straightness"} <= set(summary)
    arrays = np.load(out)
    assert arrays["samples"].shape == (2000, 2) and arrays["trajectories"].shape[0] == 6
    assert arrays["samples"].std() > 1.5  # the grid spans ±4: data units, not standardised ones
