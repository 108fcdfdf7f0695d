"""core/targets2d.py: built-in targets, standardisation, plot grids, and CSV upload validation."""

import io
import pickle

import numpy as np
import pytest

from core.errors import ConfigError, DataError
from core.targets2d import (TARGET_LABELS, TARGET_NAMES, Standardiser, grid_points, make_target, plot_grid,
                            points_from_csv, standardise, unstandardise)


@pytest.mark.parametrize("name", TARGET_NAMES)
def test_shape_dtype_and_seeds(name):
    t = make_target(name)
    x = t.sample(500, seed=1)
    assert x.shape == (500, 2) and x.dtype == np.float64 and np.isfinite(x).all()
    assert np.array_equal(x, t.sample(500, seed=1))
    assert not np.allclose(x, t.sample(500, seed=2))
    assert t.sample(0, seed=0).shape == (0, 2)
    assert name in TARGET_LABELS and t.label == TARGET_LABELS[name]


@pytest.mark.parametrize("name", TARGET_NAMES + ("csv",))
def test_targets_pickle_for_the_training_workers(name):
    """A page sends its target to a worker process inside the run's description."""
    t = make_target(name, 0.2) if name != "csv" else points_from_csv(b"x1,x2\n" + b"\n".join(
        b"%d,%d" % (i, i * i % 7) for i in range(30)))
    u = pickle.loads(pickle.dumps(t))
    assert (u.name, u.label, u.spread, u.is_mixture) == (t.name, t.label, t.spread, t.is_mixture)
    assert np.array_equal(u.sample(200, seed=3), t.sample(200, seed=3))
    for a in (u.modes, u.points):
        assert a is None or not a.flags.writeable  # still read-only after the trip


def test_rng_argument_advances():
    rng = np.random.default_rng(0)
    t = make_target("moons")
    assert not np.allclose(t.sample(50, rng=rng), t.sample(50, rng=rng))


@pytest.mark.parametrize("name,k", [("ring", 8), ("grid", 25)])
def test_mixture_shuffled_and_std(name, k):
    t = make_target(name)
    assert t.is_mixture and t.modes.shape == (k, 2)
    x = t.sample(20_000, seed=0)
    d = np.linalg.norm(x[:, None] - t.modes[None], axis=-1)  # (n, K)
    first = np.unique(d[:100].argmin(1))
    assert len(first) >= min(k, 8) - 1  # first 100 points already hit many modes
    resid = x - t.modes[d.argmin(1)]
    assert resid.std() == pytest.approx(t.mode_std, rel=0.05)
    w, mu, s = t.mixture_params()
    assert w.shape == (k,) and np.isclose(w.sum(), 1) and mu.shape == (k, 2) and np.all(s == t.mode_std)


def test_spread_and_non_mixtures():
    assert make_target("ring", spread=0.2).mode_std == 0.2
    assert not make_target("moons").is_mixture and make_target("moons").weights is None
    with pytest.raises(ValueError):
        make_target("moons").mixture_params()
    wide = make_target("circles", spread=0.3).sample(4000, seed=0)
    thin = make_target("circles", spread=0.0).sample(4000, seed=0)
    r = np.linalg.norm(thin, axis=1)
    assert np.allclose(np.minimum(abs(r - 1), abs(r - 2)), 0)
    assert np.linalg.norm(wide, axis=1).std() > r.std()
    with pytest.raises(ValueError):
        make_target("nope")


def test_moons_angles_random():
    a, b = make_target("moons", 0.0).sample(200, seed=0), make_target("moons", 0.0).sample(200, seed=1)
    srt = lambda x: x[np.lexsort(x.T)]
    assert not np.allclose(srt(a), srt(b), atol=1e-3)  # not evenly spaced angles


def test_standardise_roundtrip():
    x = make_target("grid").sample(1000, seed=0) * [1, 3] + 5
    z, m, s = standardise(x)
    assert np.allclose(z.mean(0), 0) and np.allclose(z.std(0), 1)
    assert np.allclose(unstandardise(z, m, s), x)
    z, m, s = standardise(np.ones((5, 2)))
    assert np.isfinite(z).all()


def test_standardiser_keeps_mixtures_isotropic_and_round_trips():
    target = make_target("grid")
    x = target.sample(5000, seed=0) * [1.0, 1.0] + [10.0, -3.0]
    std = Standardiser.fit(x)
    assert np.allclose(std.to_data(std.to_model(x)), x)
    z = std.to_model(x)
    assert np.allclose(z.mean(0), 0, atol=1e-9) and np.mean(z.var(0)) == pytest.approx(1.0)
    w, mu, s = std.mixture(target)  # the mixture in model units: still isotropic, one std for all
    assert np.allclose(mu, std.to_model(target.modes)) and np.allclose(s, 0.05 / std.scale)
    assert Standardiser.fit(np.ones((5, 2))).scale == 1.0  # no spread: no division by zero


def test_plot_grid_covers_the_data_box_with_its_margin():
    x = np.array([[0.0, 0.0], [4.0, 1.0], [2.0, 0.5]])
    gx, gy, pts = plot_grid(x, 5, pad=0.25)  # per-axis margins: 1.0 on x, 0.25 on y
    assert np.allclose(gx, np.linspace(-1, 5, 5)) and np.allclose(gy, np.linspace(-0.25, 1.25, 5))
    assert pts.shape == (25, 2) and np.array_equal(pts, grid_points(gx, gy))
    assert np.array_equal(pts[:5, 1], np.full(5, gy[0])) and np.array_equal(pts[:5, 0], gx)  # row = y
    gx, gy, _ = plot_grid(x, 3, pad=0.25, pad_of_largest=True)  # both margins 1.0
    assert np.allclose([gx[0], gx[-1], gy[0], gy[-1]], [-1, 5, -1, 2])
    gx, gy, _ = plot_grid(x, 3, square=1.5)  # a 6 x 6 square around the box's centre (2, 0.5)
    assert np.allclose([gx[0], gx[-1], gy[0], gy[-1]], [-1, 5, -2.5, 3.5])
    gx, gy, _ = plot_grid(x.astype(np.float32), 4, pad_abs=0.5, dtype=np.float32)
    assert gx.dtype == np.float32 and np.allclose([gx[0], gx[-1], gy[0], gy[-1]], [-0.5, 4.5, -0.5, 1.5])
    far = np.concatenate([make_target("ring").sample(1000, seed=0), [[100.0, 100.0]]])
    gx, _, _ = plot_grid(far, 3, clip=0.5)  # percentiles: one far outlier does not stretch the box
    assert gx[-1] < 3


# ---------------------------------------------------------------------------------------------
# CSV upload
# ---------------------------------------------------------------------------------------------

def _csv(n=20, header="x,y", sep=","):
    rng = np.random.default_rng(0)
    rows = [sep.join(f"{v:.4f}" for v in r) for r in rng.normal(size=(n, 2))]
    return "\n".join(([header] if header else []) + rows) + "\n"


@pytest.mark.parametrize("data", [
    _csv(), _csv(header=None), _csv(header="x1,x2,label").replace("\n", ",a\n").replace("x1,x2,label,a", "x1,x2,label"),
    _csv(sep=";", header="a;b"), _csv(header=None, sep=" "), _csv().encode(), "\ufeff" + _csv(),
])
def test_good_csv(data):
    t = points_from_csv(data)
    assert t.name == "csv" and t.modes is None and t.points.shape == (20, 2)
    x = t.sample(300, seed=0)
    assert x.shape == (300, 2) and np.isin(x[:, 0], t.points[:, 0]).all()
    assert np.array_equal(x, t.sample(300, seed=0))


def test_csv_file_like_and_path(tmp_path):
    p = tmp_path / "pts.csv"
    p.write_text(_csv())
    assert points_from_csv(p).points.shape == (20, 2)
    assert points_from_csv(str(p)).points.shape == (20, 2)
    assert points_from_csv(io.BytesIO(_csv().encode())).points.shape == (20, 2)


def test_csv_named_columns_among_many():
    text = "id,x2,x1,z\n" + "\n".join(f"{i},{i % 3},{i * 0.5},{i}" for i in range(12))
    t = points_from_csv(text)
    assert np.allclose(t.points[:, 0], np.arange(12) * 0.5)  # x1 first


@pytest.mark.parametrize("data,words", [
    (bytes(range(256)) * 4, "text"),
    (b"\xff\xfe\x89 not utf-8", "text"),
    (b"\x89PNG\r\n\x1a\n\xff\xfe\x00\x00garbage", "text"),
    (b"", "empty"),
    ("\n  \n", "empty"),
    ("x,y\n", "no data rows"),
    ("\n".join(f"{i}" for i in range(20)), "two numeric"),
    ("\n".join(f"{i},{i},{i}" for i in range(20)), "two numeric"),
    (_csv().replace("\n", "\nhello,3\n", 1), "not a number"),
    (_csv() + "nan,1\n", "finite"),
    (_csv() + "inf,1\n", "finite"),
    (_csv() + "1,\n", "finite"),
    (_csv(n=30), "at most"),
    (_csv(n=5), "at least 10"),
    ("x,y\n" + "1,2\n" * 20, "identical"),
    ("1,2\n1,2,3\n" + "1,2\n" * 20, "same number of columns"),
])
def test_bad_csv(data, words):
    with pytest.raises(DataError) as e:
        points_from_csv(data, max_rows=25)
    msg = str(e.value)
    assert words in msg and "\n" not in msg and len(msg) < 160, msg


def test_load_target_takes_a_name_or_a_csv_path_and_names_the_choices(tmp_path):
    from core.targets2d import DEFAULT_SPREAD, load_target

    assert load_target("ring").spread == DEFAULT_SPREAD["ring"] and load_target("ring", 0.2).spread == 0.2
    path = tmp_path / "points.csv"
    path.write_text("x1,x2\n" + "\n".join(f"{i},{i * i % 7}" for i in range(30)))
    assert load_target(str(path)).points.shape == (30, 2)
    with pytest.raises(ConfigError, match="ring.*digits"):
        load_target("nowhere.csv", others=("digits",))
