"""Gaussian fits, EM for Gaussian mixtures, BIC/AIC, data sources and the gmm CLI (correctness, no timing)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from core.cli import main as cli_main
from core.errors import ConfigError, DataError
from core.gmm import (COVARIANCE_TYPES, GaussianFitTrainer, GmmConfig, GmmTrainer, fit_gaussian, initial_mixture,
                      n_parameters, sample_mixture)
from core.gmm_data import VOLTAGE, load_data, make_blobs, points_from_csv
from core.gmm_select import SweepTrainer
from core.runner import DIVERGED, Run


# ---------------------------------------------------------------------------- one Gaussian

def test_gaussian_mle_is_the_sample_mean_and_biased_covariance():
    x = np.random.default_rng(0).normal([1.0, -2.0], [0.5, 2.0], size=(400, 2))
    mu, cov = fit_gaussian(x)
    assert np.allclose(mu, x.mean(0)) and np.allclose(cov, np.cov(x.T, bias=True))
    mu1, var1 = fit_gaussian(x[:, :1])
    assert mu1.shape == (1,) and np.isclose(var1[0, 0], x[:, 0].var())


def test_samples_of_a_fit_have_its_mean_and_covariance():
    mu, cov = np.array([2.0, -1.0]), np.array([[1.0, 0.8], [0.8, 2.0]])
    x, k = sample_mixture(np.ones(1), mu[None], cov[None], 20_000, seed=1)
    m2, c2 = fit_gaussian(x)
    assert set(k) == {0} and np.allclose(m2, mu, atol=0.05) and np.allclose(c2, cov, atol=0.08)


def test_mixture_sampling_picks_components_by_their_weights():
    w = np.array([0.6, 0.3, 0.1])
    means = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    x, k = sample_mixture(w, means, np.repeat(np.eye(2)[None] * 0.01, 3, 0), 20_000, seed=0)
    assert np.allclose(np.bincount(k) / len(k), w, atol=0.015)
    assert np.allclose(x[k == 1].mean(0), means[1], atol=0.01)


# ---------------------------------------------------------------------------- EM

CASES = [("ring", 8, "random"), ("grid", 10, "kmeans++"), ("moons", 6, "random"), ("blobs", 4, "kmeans++"),
         ("voltage", 3, "random"), ("spiral", 10, "kmeans++")]


@pytest.mark.parametrize("data,k,init", CASES)
@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
def test_log_likelihood_never_decreases(data, k, init, kind):
    for seed in (0, 1, 2):
        for floor in (1e-6, 0.05):  # a large floor too: the floored Σ is the constrained maximiser
            trainer = GmmTrainer(GmmConfig(data=data, k=k, init=init, covariance=kind, floor=floor,
                                           n_points=300, seed=seed))
            ll = [trainer.ll] + [trainer.step()["log_likelihood"] for _ in range(60)]
            gains = np.diff(ll)
            assert np.all(np.isfinite(ll))
            assert gains.min() >= -1e-12 * max(1.0, abs(ll[-1])), (data, kind, seed, floor, gains.min())
            assert ll[-1] > ll[0]


def _sklearn_precisions(gm):
    prec = np.linalg.inv(gm.covs)  # (K, d, d)
    if gm.kind == "full":
        return prec
    diag = np.diagonal(prec, axis1=1, axis2=2).copy()  # (K, d)
    return diag if gm.kind == "diag" else diag[:, 0].copy()


def _run_both(x, k, kind, floor, iters, seed=0):
    gm = initial_mixture(x, k, "kmeans++", kind, floor, np.random.default_rng(seed))
    sk = SkGaussianMixture(k, covariance_type=kind, reg_covar=floor, tol=1e-300, max_iter=iters,
                           init_params="random", weights_init=gm.weights, means_init=gm.means,
                           precisions_init=_sklearn_precisions(gm), random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "did not converge": we ask for exactly `iters` iterations
        sk.fit(x)
    resp, _ = gm.e_step(x)
    for _ in range(iters):
        gm.m_step(x, resp)
        resp, ll = gm.e_step(x)
    return gm, ll, sk


@pytest.mark.parametrize("data", ["ring", "blobs", "voltage", "moons"])
@pytest.mark.parametrize("kind", COVARIANCE_TYPES)
def test_agrees_with_sklearn_from_the_same_initial_parameters(data, kind):
    x = load_data(data, 500, 0.2, 4, seed=3)
    gm, ll, sk = _run_both(x, 5, kind, 1e-6, 40)
    assert abs(ll - sk.score(x)) < 1e-3  # the bar, per sample
    # with no floor the two algorithms are the same to rounding, parameters included (10 iterations:
    # later, a component of the blobs collapses onto one point and both fits become arbitrary)
    gm, ll, sk = _run_both(x, 5, kind, 0.0, 10)
    assert abs(ll - sk.score(x)) < 1e-9
    order = np.lexsort(gm.means.T[::-1]), np.lexsort(sk.means_.T[::-1])
    assert np.allclose(gm.weights[order[0]], sk.weights_[order[1]], atol=1e-7)
    assert np.allclose(gm.means[order[0]], sk.means_[order[1]], atol=1e-6)


def test_em_finds_the_voltage_neurons():
    trainer = GmmTrainer(GmmConfig(data="voltage", k=3, n_points=2000, seed=0))
    for _ in range(200):
        trainer.step()
    order = np.argsort(trainer.gm.means[:, 0])
    assert np.allclose(trainer.gm.means[order, 0], VOLTAGE["means"], atol=4.0)
    assert np.allclose(np.sqrt(trainer.gm.covs[order, 0, 0]), VOLTAGE["stds"], atol=3.0)
    assert np.allclose(trainer.gm.weights[order], VOLTAGE["weights"], atol=0.06)


def test_half_steps_make_the_same_iterations_as_full_steps():
    cfg = GmmConfig(data="ring", k=8, init="random", n_points=300, seed=4)
    full, halves = GmmTrainer(cfg), GmmTrainer(cfg)
    for _ in range(5):
        full.step()
        before = halves.snapshot()
        assert halves.half_step() == "M"
        mid = halves.snapshot()
        assert not mid["next_m"] and np.array_equal(mid["resp"], before["resp"])  # colours not yet updated
        assert not np.allclose(mid["means"], before["means"])
        assert halves.half_step() == "E"  # the E-step is the rest of the iteration: step()
        halves.step()
    assert halves.iterations == full.iterations == 5
    assert np.allclose(halves.gm.means, full.gm.means) and np.isclose(halves.ll, full.ll)


def test_half_step_through_set_live_and_the_run_counts_only_full_iterations():
    """The page's half-step: set_live(half_step=True) runs the M-step alone (no step counted); the E-step is a step."""
    cfg = GmmConfig(data="blobs", k=3, n_points=200, seed=1)
    full, run = GmmTrainer(cfg), Run(GmmTrainer(cfg), max_steps=20)
    full.step()
    before = run.snapshot
    assert before["next_m"]
    run.set_live({"half_step": True})  # the M-step alone
    mid = run.snapshot
    assert run.step_count == 0 and not mid["next_m"] and np.array_equal(mid["resp"], before["resp"])
    assert np.allclose(mid["means"], full.gm.means)
    run.set_live({"half_step": True})  # the E-step is next: nothing happens
    assert np.array_equal(run.snapshot["means"], mid["means"]) and not run.snapshot["next_m"]
    run.step_once()  # the E-step completes the iteration
    assert run.step_count == 1 and run.snapshot["next_m"] and np.allclose(run.snapshot["resp"], full.resp)
    assert run.last_metrics["log_likelihood"] == pytest.approx(full.ll)
    run.set_live({})  # no value: nothing happens
    assert np.array_equal(run.snapshot["means"], mid["means"])


def test_diagonal_and_spherical_shapes():
    for kind in ("diag", "spherical"):
        trainer = GmmTrainer(GmmConfig(data="moons", k=4, covariance=kind, seed=0))
        for _ in range(20):
            trainer.step()
        covs = trainer.gm.covs
        assert np.allclose(covs[:, 0, 1], 0) and (kind == "diag" or np.allclose(covs[:, 0, 0], covs[:, 1, 1]))


def test_bic_sweep_chooses_the_number_of_blobs():
    x = make_blobs(800, 4, 0.3, seed=2)
    sweep = SweepTrainer(x, 8, seed=0)
    while not sweep.done:
        row = sweep.step()
        assert row["bic"] == pytest.approx(-2 * 800 * row["log_likelihood"] + row["n_params"] * np.log(800))
    snap = sweep.snapshot()
    assert list(snap["k"]) == list(range(1, 9))
    assert snap["k"][np.argmin(snap["bic"])] == 4
    assert snap["log_likelihood"][3] > snap["log_likelihood"][0]


def test_parameter_counts():
    assert n_parameters(1, 2, "full") == 5 and n_parameters(3, 2, "diag") == 2 + 6 + 6
    assert n_parameters(4, 1, "spherical") == 3 + 4 + 4


# ---------------------------------------------------------------------------- degenerate input

def test_more_components_than_points_says_so():
    with pytest.raises(ConfigError, match="need at least 8 points"):
        GmmTrainer(GmmConfig(k=8), data=np.random.default_rng(0).normal(size=(5, 2)))


def test_all_points_equal_says_so():
    with pytest.raises(DataError, match="identical"):
        GmmTrainer(GmmConfig(k=2), data=np.ones((50, 2)))
    with pytest.raises(DataError, match="identical"):
        points_from_csv(b"v\n3\n3\n3\n")


def test_a_constant_column_gives_a_regularised_fit_and_a_note():
    rng = np.random.default_rng(0)
    x = np.c_[rng.normal(size=200), np.full(200, 7.0)]
    trainer = GmmTrainer(GmmConfig(k=3, floor=1e-4), data=x)
    ll = [trainer.step()["log_likelihood"] for _ in range(30)]
    assert np.all(np.isfinite(ll)) and np.all(np.diff(ll) >= -1e-12 * abs(ll[-1]))
    assert np.allclose(trainer.gm.covs[:, 1, 1], 1e-4)
    assert any("x2 is constant" in w for w in trainer.warnings)
    mu, cov = fit_gaussian(x, floor=1e-4)
    assert np.isclose(cov[1, 1], 1e-4) and np.linalg.eigvalsh(cov).min() > 0


def test_repeated_points_with_no_floor_diverge_with_advice():
    x = np.repeat(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), 10, axis=0)
    job = Run(GmmTrainer(GmmConfig(k=3, floor=0.0, seed=0), data=x), max_steps=20)
    job.step_once(20)
    assert job.state == DIVERGED and "floor" in job.message


@pytest.mark.parametrize("bad", [dict(k=0), dict(k=11), dict(init="x"), dict(covariance="tied"),
                                 dict(floor=-1.0), dict(floor=float("nan")), dict(data="nope")])
def test_bad_settings_raise_config_errors(bad):
    with pytest.raises(ConfigError):
        GmmTrainer(GmmConfig(**bad))


def test_csv_with_one_or_two_columns():
    one = points_from_csv(b"amplitude\n41.5\n63\n70.2\n")
    assert one.shape == (3, 1)
    two = points_from_csv(b"a;b;label\n1;2;x\n3;4;y\n5;7;x\n")
    assert two.shape == (3, 2) and two[2, 1] == 7
    with pytest.raises(DataError, match="one or two numeric columns"):
        points_from_csv(b"1,2,3\n4,5,6\n")
    with pytest.raises(DataError, match="not a number"):
        points_from_csv(b"x1,x2\n1,2\n3,oops\n")
    with pytest.raises(DataError, match="at least 2"):
        points_from_csv(b"v\n3\n")


# ---------------------------------------------------------------------------- CLI

def test_cli_trains_on_a_csv_and_writes_the_fit(tmp_path, capsys):
    x = make_blobs(300, 3, 0.3, seed=5)
    path = tmp_path / "points.csv"
    np.savetxt(path, x, delimiter=",", header="x1,x2", comments="")
    out = tmp_path / "run.npz"
    code = cli_main(["train", "gmm", "--data", str(path), "--k", "3", "--steps", "50", "--seed", "0",
                     "--out", str(out)])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert code == 0 and summary["steps"] == 50 and summary["model"] == "gmm"
    saved = np.load(out)
    assert saved["weights"].shape == (3,) and saved["means"].shape == (3, 2)
    assert saved["covariances"].shape == (3, 2, 2) and saved["samples"].shape == (1000, 2)
    # the JSON's mean log-likelihood is that of the saved parameters on the data
    from core.gmm import GaussianMixture
    ll = GaussianMixture(saved["weights"], saved["means"], saved["covariances"]).mean_log_likelihood(x)
    assert summary["log_likelihood"] == pytest.approx(ll, abs=1e-9)
    assert np.isclose(saved["weights"].sum(), 1.0) and np.all(np.diff(saved["history_log_likelihood"]) >= -1e-12)


def test_cli_on_a_target_name_and_a_bad_k(capsys):
    assert cli_main(["train", "gmm", "--data", "voltage", "--k", "3", "--steps", "20"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["dim"] == 1
    assert cli_main(["train", "gmm", "--data", "ring", "--k", "12", "--steps", "5"]) == 2
    assert "K must be between 1 and 10" in capsys.readouterr().out


def test_spike_amplitudes_are_read_off_a_recording_by_a_threshold_detector():
    from core.gmm_data import THRESHOLD_UV, WAVEFORM, make_voltage, spike_trace

    trace = spike_trace(500, seed=3)
    v, peaks = trace["v"], trace["peak_at"]
    assert np.all(v[peaks] > THRESHOLD_UV) and np.array_equal(trace["amplitude"], v[peaks])  # peaks of the trace
    fired = np.searchsorted(trace["spike_at"], peaks, side="right") - 1
    assert np.all((peaks - trace["spike_at"][fired] >= 0) & (peaks - trace["spike_at"][fired] < len(WAVEFORM)))
    assert 0.85 * len(trace["spike_at"]) <= len(peaks) <= len(trace["spike_at"])  # a few spikes merge
    x = make_voltage(500, seed=3)
    assert x.shape == (500, 1) and np.array_equal(x[:, 0], trace["amplitude"][:500])
    assert np.array_equal(make_voltage(500, seed=3), x) and not np.array_equal(make_voltage(500, seed=4), x)



@pytest.mark.parametrize("data", ["voltage", "blobs", "ring"])
def test_the_fit_to_all_points_scores_highest_and_the_score_can_fall_on_the_way(data):
    """pages/gaussians.py: every fit is scored on all n points, so the fit to all of them (the maximum-likelihood
    Gaussian) scores highest; the fits to the first m points need not score better as m grows."""
    x = load_data(data, 500, 0.3, 4, 0)
    trainer = GaussianFitTrainer(x, seed=0)
    scores = []
    while trainer.m < len(x):
        scores.append(trainer.step()["log_likelihood"])
    assert len(scores) > 10
    assert scores[-1] == max(scores)
    if data == "voltage":  # a batch of unusual points pulls the fit away for a while
        assert any(b < a for a, b in zip(scores, scores[1:]))
