"""A run's film: frames kept over the whole of training in bounded memory, served to a page's replay."""

from __future__ import annotations

import numpy as np

from core.film import Film
from core.runner import Run
from tests.fake_trainers import Counter


def test_a_film_keeps_frames_spread_over_the_whole_run_and_ends_with_the_latest():
    film = Film(("x",), capacity=8)
    for step in range(1, 101):
        film.record(step, {"x": np.array([step, -step]), "other": np.zeros(3)})
    reel = film.reel()
    assert set(reel) == {"step", "x"}  # only the chosen arrays
    steps = reel["step"]
    assert len(steps) <= 9 and steps[0] == 1 and steps[-1] == 100  # from the first picture to the latest
    assert np.all(np.diff(steps) > 0) and (steps[-2] - steps[0]) >= 50  # spread out, not the last few
    assert np.array_equal(reel["x"][:, 0], steps)  # each frame is the picture of its own step


def test_a_film_copies_its_frames_and_skips_pictures_without_its_arrays():
    film = Film(("x",))
    picture = {"x": np.zeros(2)}
    film.record(1, picture)
    picture["x"][:] = 7.0  # the trainer reuses its buffer
    film.record(2, {"y": np.ones(2)})
    reel = film.reel()
    assert list(reel["step"]) == [1] and np.all(reel["x"][0] == 0)
    assert Film(()).reel() is None and Film(("x",)).reel() is None


def test_a_film_whose_picture_changes_shape_keeps_the_frames_that_match_the_latest():
    film = Film(("x",))
    film.record(1, {"x": np.zeros(2)})
    film.record(2, {"x": np.zeros(3)})
    film.record(3, {"x": np.ones(3)})
    reel = film.reel()
    assert list(reel["step"]) == [2, 3] and reel["x"].shape == (2, 3)


def test_a_run_films_its_snapshots_when_asked():
    run = Run(Counter(), snapshot_every=0.0, film=("x",))
    run.step_once(5)
    reel = run.film.reel()
    assert reel["step"][-1] == 5 and reel["x"][-1][0] == 5
    assert Run(Counter(), snapshot_every=0.0).film.reel() is None  # no film unless a page asks
