"""The arena (core/arena.py): one row per family, each from its own run, the budget kept, failures contained."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from core import cli
from core.arena import DIVERGED, DONE, FAILED, FAMILIES, ArenaConfig, ArenaTrainer, run
from core.errors import ConfigError
from core.runner import FINISHED, Run
from core.targets2d import make_target, points_from_csv

SMALL = dict(measurements=2, n_samples=200)  # cheap measurements: the tests are about the bookkeeping
COLUMNS = {"family", "label", "state", "modes_captured", "n_modes", "high_quality", "reverse_kl", "energy",
           "train_seconds", "train_steps", "sample_seconds_per_1000", "nfe"}
TIMING = ("train_seconds", "sample_seconds_per_1000")  # the only numbers that may differ between two equal runs


def _steps(n: int, **kw) -> ArenaConfig:
    return ArenaConfig(budget_kind="steps", budget=n, **{**SMALL, **kw})


def _untimed(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in TIMING}


def _finish(arena: ArenaTrainer) -> list[dict]:
    while not arena.done:
        arena.step()
    return arena.rows()


def test_the_table_has_one_row_per_family_with_every_column():
    rows = run(_steps(4))
    assert [r["family"] for r in rows] == list(FAMILIES)
    for r in rows:
        assert set(r) == COLUMNS, r
        assert r["state"] == DONE and r["train_steps"] == 4  # equal steps: exactly the budget each
        assert r["n_modes"] == 8 and 0 <= r["modes_captured"] <= 8 and 0 <= r["high_quality"] <= 1
        assert math.isfinite(r["energy"]) and r["train_seconds"] > 0 and r["sample_seconds_per_1000"] >= 0
    nfe = {r["family"]: r["nfe"] for r in rows}
    assert nfe == {"gmm": 0, "energy": 300, "gan": 1, "vae": 1, "score": 301, "ddpm": 100, "flow": 100}


def test_mode_columns_only_for_mixtures():
    rows = run(_steps(2, families=("gmm", "flow")), make_target("moons"))
    assert all("modes_captured" not in r and "high_quality" not in r and "energy" in r for r in rows)


def test_each_row_comes_from_the_family_s_own_run():
    """A family trained alone gives the same row as in the full arena: nothing of the others leaks in."""
    together = {r["family"]: _untimed(r) for r in run(_steps(6))}
    for alone in (("gan",), ("flow", "gmm"), ("vae", "energy", "score", "ddpm")):
        for r in run(_steps(6, families=alone)):
            assert _untimed(r) == together[r["family"]], r["family"]


def test_the_same_seed_gives_the_same_table_and_another_seed_another():
    a, b = run(_steps(3)), run(_steps(3))
    assert [_untimed(r) for r in a] == [_untimed(r) for r in b]
    other = run(_steps(3, seed=1, families=("gmm", "gan", "flow")))
    assert all(r["energy"] != a[FAMILIES.index(r["family"])]["energy"] for r in other)


def test_equal_time_gives_every_family_its_budget_in_cpu_seconds():
    budget = 0.3
    arena = ArenaTrainer(ArenaConfig(budget_kind="seconds", budget=budget, quantum=0.02, **SMALL))
    rows = _finish(arena)
    seconds = {r["family"]: r["train_seconds"] for r in rows}
    assert all(r["state"] == DONE for r in rows)
    assert all(s >= budget - 1e-3 for s in seconds.values()), seconds  # each used all of its budget...
    assert max(seconds.values()) <= 2 * min(seconds.values()), seconds  # ...and none much more than another
    assert all(e.units == arena.units == 15 for e in arena.entrants)
    steps = {r["family"]: r["train_steps"] for r in rows}
    assert steps["gmm"] > steps["energy"], steps  # an EM iteration is cheaper than a step over a 64² grid


def test_families_take_turns_so_they_advance_together():
    arena = ArenaTrainer(_steps(10))
    for _ in range(3 * len(FAMILIES) + 2):
        arena.step()
    assert [e.steps for e in arena.entrants] == [4, 4, 3, 3, 3, 3, 3]


class Exploding:
    """A family whose loss becomes NaN at its third step (or whose samples are NaN)."""

    def __init__(self, inner, where: str):
        self.inner, self.where, self.steps = inner, where, 0

    def step(self):
        self.steps += 1
        m = self.inner.step()
        return {"loss": math.nan} if self.where == "loss" and self.steps >= 3 else m

    def sample(self, n, seed, nfe):
        x, k = self.inner.sample(n, seed, nfe)
        return (np.full_like(x, np.nan), k) if self.where == "samples" and self.steps >= 3 else (x, k)


class Broken(Exploding):
    def step(self):
        raise RuntimeError("out of ideas")


@pytest.mark.parametrize("where", ["loss", "samples"])
def test_a_diverging_family_stops_and_the_others_go_on(where):
    arena = ArenaTrainer(_steps(6, measurements=6))  # measured after steps 1, 2, 3, 5 and 6
    gan = arena.entrants[FAMILIES.index("gan")]
    gan.family = Exploding(gan.family, where)
    job = Run(arena, max_steps=arena.units * len(FAMILIES), snapshot_every=0)  # as in a worker: checks every picture
    job.start()
    while job.active:
        job.run_slice(1.0)
    assert job.state == FINISHED, job.message  # the run goes on to the end...
    rows = {r["family"]: r for r in arena.rows()}
    assert rows["gan"]["state"] == DIVERGED and "diverged at step" in rows["gan"]["message"]
    assert rows["gan"]["train_steps"] == 3  # ...the GAN stopped where it diverged (measured at step 3)
    assert ("samples" in rows["gan"]["message"]) == (where == "samples")
    others = [r for f, r in rows.items() if f != "gan"]
    assert all(r["state"] == DONE and r["train_steps"] == 6 for r in others)
    snap = job.snapshot
    assert set(snap["samples"]) == set(FAMILIES)  # the GAN's last good samples (step 1) are kept
    assert all(np.isfinite(x).all() for x in snap["samples"].values())


def test_a_failing_family_is_marked_and_the_others_finish():
    arena = ArenaTrainer(_steps(3))
    vae = arena.entrants[FAMILIES.index("vae")]
    vae.family = Broken(vae.family, "")
    rows = {r["family"]: r for r in _finish(arena)}
    assert rows["vae"]["state"] == FAILED and "out of ideas" in rows["vae"]["message"]
    assert rows["vae"]["energy"] is None and rows["vae"]["train_steps"] == 0
    assert all(r["state"] == DONE for f, r in rows.items() if f != "vae")


def test_history_holds_quality_against_budget():
    arena = ArenaTrainer(ArenaConfig(budget_kind="steps", budget=8, measurements=4, n_samples=200))
    _finish(arena)
    h = arena.snapshot()["history"]["flow"]
    assert list(h["budget"]) == [1, 2, 5, 8] and list(h["steps"]) == [1, 2, 5, 8]  # ⌈8·(i/4)²⌉ = 1, 2, 5, 8
    assert len(h["energy"]) == len(h["high_quality"]) == len(h["modes_captured"]) == 4


def test_few_sampling_steps_apply_live_to_the_same_trained_models():
    arena = ArenaTrainer(_steps(3))
    before = {r["family"]: r for r in _finish(arena)}
    arena.set_live(sampling="few")
    after = {r["family"]: r for r in arena.rows()}
    assert {f: r["nfe"] for f, r in after.items()} == {"gmm": 0, "energy": 10, "gan": 1, "vae": 1, "score": 11,
                                                      "ddpm": 10, "flow": 10}
    assert all(after[f]["train_steps"] == before[f]["train_steps"] for f in FAMILIES)
    assert after["gan"]["energy"] == before["gan"]["energy"] and after["flow"]["energy"] != before["flow"]["energy"]
    assert arena.snapshot()["sampling"] == "few"


def test_bad_settings_are_refused_with_a_reason():
    for bad in (dict(budget_kind="minutes"), dict(budget=0.0), dict(families=("gan", "nope")),
                dict(families=()), dict(sampling="some")):
        with pytest.raises(ConfigError):
            ArenaConfig(**bad).validate()


def test_cli_prints_one_json_line_per_family(capsys):
    assert cli.main(["arena", "--data", "ring", "--steps", "3", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [json.loads(line) for line in lines]
    assert [r["family"] for r in rows] == list(FAMILIES)
    assert all(r["train_steps"] == 3 and r["state"] == DONE and "energy" in r for r in rows)


def test_cli_refuses_both_budgets_in_one_line(capsys):
    assert cli.main(["arena", "--steps", "3", "--seconds", "1"]) == 2
    assert "not both" in capsys.readouterr().out


def test_an_uploaded_csv_trains_every_family():
    pts = make_target("moons").sample(300, seed=3)
    text = "x1,x2\n" + "\n".join(f"{a:.4f},{b:.4f}" for a, b in pts)
    target = points_from_csv(text.encode())
    rows = run(_steps(2), target)
    assert [r["family"] for r in rows] == list(FAMILIES)
    assert all(r["state"] == DONE and r["train_steps"] == 2 and "modes_captured" not in r for r in rows)
