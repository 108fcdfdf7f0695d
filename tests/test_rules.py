"""Expert rules on Iris, the exhaustive best-rule search, the learned model and its CLI."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from core.cli import main as cli_main
from core.errors import ConfigError
from core.runner import DIVERGED, Run
from core.rules import (FEATURES, SPECIES, RulesConfig, RulesTrainer, RuleSet, Split, accuracy, best_single_rule,
                        candidate_thresholds, confusion_matrix, load_iris_data, stratified_split)
from dashboard.fig_rules import confusion_figure, pipelines_dot, rule_regions, rules_plane


def test_iris_is_the_real_data():
    iris = load_iris_data()
    assert iris.X.shape == (150, 4) and iris.Y.shape == (150,)
    assert np.bincount(iris.Y).tolist() == [50, 50, 50]
    assert iris.X[:, 2].min() == pytest.approx(1.0) and iris.X[:, 2].max() == pytest.approx(6.9)


def test_single_split_predicts_by_threshold():
    X = np.array([[0, 1.0], [0, 2.0], [0, 3.0]], dtype=np.float32)
    split = Split(feature=1, threshold=2.0, below=2, above=0)
    assert split.predict(X).tolist() == [2, 0, 0]  # strictly below goes "below"


def test_second_rule_decides_only_its_side():
    X = np.array([[1.0, 0.0], [1.0, 5.0], [4.0, 0.0], [4.0, 5.0]])
    first = Split(0, 2.0, below=0, above=1)
    second = Split(1, 2.5, below=1, above=2)
    assert RuleSet(first).predict(X).tolist() == [0, 0, 1, 1]
    assert RuleSet(first, second, "above").predict(X).tolist() == [0, 0, 1, 2]
    assert RuleSet(first, second, "below").predict(X).tolist() == [1, 2, 1, 1]
    with pytest.raises(ConfigError):
        RuleSet(first, second, "left")


def test_accuracy_and_confusion_matrix():
    y = np.array([0, 0, 1, 1, 2, 2])
    p = np.array([0, 1, 1, 1, 0, 2])
    cm = confusion_matrix(y, p)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]  # rows: true, columns: predicted
    assert accuracy(y, p) == pytest.approx(4 / 6) == pytest.approx(np.trace(cm) / cm.sum())


def test_the_textbook_two_rules_get_most_flowers_right():
    iris = load_iris_data()
    rules = RuleSet(Split(2, 2.5, 0, 1), Split(3, 1.75, 1, 2), "above")
    pred = rules.predict(iris.X)
    cm = confusion_matrix(iris.Y, pred)
    assert cm[0].tolist() == [50, 0, 0]
    assert accuracy(iris.Y, pred) > 0.94


def _brute_force_best(X, Y):
    best = 0.0
    for f in range(X.shape[1]):
        for t in candidate_thresholds(X[:, f]):
            for lo, hi in itertools.product(range(3), repeat=2):
                best = max(best, accuracy(Y, Split(f, t, lo, hi).predict(X)))
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_best_single_rule_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3)).round(1)
    Y = rng.integers(0, 3, 40)
    split, acc = best_single_rule(X, Y)
    assert acc == pytest.approx(_brute_force_best(X, Y))
    assert accuracy(Y, split.predict(X)) == pytest.approx(acc)


def test_best_single_rule_on_iris_names_two_species_at_most():
    iris = load_iris_data()
    split, acc = best_single_rule(iris.X, iris.Y)
    assert acc == pytest.approx(100 / 150)
    assert FEATURES[split.feature].startswith("petal") and SPECIES[split.below] == "setosa"
    assert "setosa" in split.describe()


def test_best_single_rule_needs_something_to_split():
    with pytest.raises(ConfigError):
        best_single_rule(np.ones((5, 2)), np.array([0, 1, 0, 1, 2]))


def test_stratified_split_keeps_species_shares():
    y = load_iris_data().Y
    train, test = stratified_split(y, 0.6, seed=3)
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == 150
    assert np.bincount(y[train]).tolist() == [30, 30, 30]
    a, _ = stratified_split(y, 0.6, seed=3)
    b, _ = stratified_split(y, 0.6, seed=4)
    assert np.array_equal(a, train) and not np.array_equal(a, b)


@pytest.mark.parametrize("kind", ["logistic", "mlp"])
def test_learned_model_beats_the_best_single_rule(kind):
    trainer = RulesTrainer(RulesConfig(kind=kind, seed=0))
    for _ in range(400):
        trainer.step()
    final = trainer.final_metrics()
    assert final["test_accuracy"] >= 0.9
    assert final["test_accuracy"] > final["best_rule_test_accuracy"] + 0.2


def test_trainer_parts_are_the_rows_the_page_judges_rules_on():
    trainer = RulesTrainer(RulesConfig(feature_x="sepal width", feature_y="petal length", train_ratio=0.5))
    iris = trainer.iris
    assert np.array_equal(trainer.test.X, iris.X[trainer.test_rows][:, [1, 2]])
    assert np.array_equal(trainer.train.Y, iris.Y[trainer.train_rows])
    assert len(trainer.train_rows) == 75


def test_snapshot_and_confusion_shapes():
    trainer = RulesTrainer(RulesConfig())
    trainer.step()
    snap = trainer.snapshot()
    assert snap["proba"].shape == (3, 60, 60) and np.allclose(snap["proba"].sum(0), 1, atol=1e-5)
    assert snap["grid_x"][0] < trainer.data.X[:, 0].min() and snap["grid_y"][-1] > trainer.data.X[:, 1].max()
    assert trainer.confusion("test").sum() == len(trainer.test_rows)
    assert trainer.parameter_count() == 2 * 8 + 8 + 8 * 3 + 3
    assert RulesTrainer(RulesConfig(kind="logistic")).parameter_count() == 2 * 3 + 3


def test_snapshot_holds_what_the_page_prints():
    """The page never sees the trainer: the plane's features, the test rows, the test confusion
    matrix and the parameter count come with the picture."""
    trainer = RulesTrainer(RulesConfig(feature_x="sepal width", feature_y="petal length", kind="logistic"))
    trainer.step()
    snap = trainer.snapshot()
    assert (snap["fx"], snap["fy"]) == (1, 2) and type(snap["fx"]) is int
    assert np.array_equal(snap["test_rows"], trainer.test_rows) and snap["test_rows"] is not trainer.test_rows
    assert np.array_equal(snap["confusion_test"], trainer.confusion("test"))
    assert snap["parameter_count"] == trainer.parameter_count() == 2 * 3 + 3


def test_set_live_changes_the_learning_rate_only():
    trainer = RulesTrainer(RulesConfig(lr=0.03))
    trainer.set_live(lr=0.3)
    assert {g["lr"] for g in trainer.opt.param_groups} == {0.3}
    trainer.set_live()
    assert {g["lr"] for g in trainer.opt.param_groups} == {0.3}
    job = Run(RulesTrainer(RulesConfig(lr=0.03)))
    job.set_live({"lr": 0.1})
    assert {g["lr"] for g in job.trainer.opt.param_groups} == {0.1} and job.state == "idle"


def test_huge_learning_rate_diverges_or_stays_finite_in_a_job():
    """Adam's steps are bounded by the learning rate, so even lr=10 must not break the job."""
    job = Run(RulesTrainer(RulesConfig(lr=10.0)))
    job.step_once(100)
    assert job.state in ("paused", DIVERGED)
    assert all(np.isfinite(v).all() for v in job.snapshot.values() if isinstance(v, np.ndarray) and v.dtype.kind == "f")


@pytest.mark.parametrize("bad", [dict(feature_x="petal width"), dict(feature_x="colour"), dict(kind="tree"),
                                 dict(hidden=0), dict(lr=0.0), dict(train_ratio=0.95)])
def test_bad_config_is_a_clear_error(bad):
    with pytest.raises(ConfigError):
        RulesTrainer(RulesConfig(**bad))


def test_cli_reports_model_and_best_rule(capsys, tmp_path):
    out = tmp_path / "run.npz"
    assert cli_main(["train", "rules", "--steps", "300", "--kind", "mlp", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 300
    assert summary["test_accuracy"] > summary["best_rule_test_accuracy"]
    assert {"train_accuracy", "best_rule_train_accuracy", "best_rule"} <= set(summary)
    assert np.load(out)["confusion_test"].shape == (3, 3)


# --------------------------------------------------------------------------- figures


BOX = (0.0, 10.0, 0.0, 4.0)


def test_rule_regions_cut_the_plane():
    rules = RuleSet(Split(2, 2.5, 0, 1), Split(3, 1.75, 1, 2), "above")
    regions, note = rule_regions(rules, fx=2, fy=3, box=BOX)
    assert note == ""
    assert sorted(regions, key=lambda r: r[1]) == [((0.0, 2.5, 0.0, 4.0), 0), ((2.5, 10.0, 0.0, 1.75), 1),
                                                   ((2.5, 10.0, 1.75, 4.0), 2)]
    area = sum((x1 - x0) * (y1 - y0) for (x0, x1, y0, y1), _ in regions)
    assert area == pytest.approx(40.0)


def test_rule_regions_off_the_plane_say_so():
    regions, note = rule_regions(RuleSet(Split(0, 5.0, 0, 1)), fx=2, fy=3, box=BOX)
    assert regions == [] and "not on the plane" in note
    regions, note = rule_regions(RuleSet(Split(2, 2.5, 0, 1), Split(0, 5.0, 1, 2)), fx=2, fy=3, box=BOX)
    assert len(regions) == 2 and "second rule" in note
    regions, _ = rule_regions(RuleSet(Split(3, 99.0, 0, 1)), fx=2, fy=3, box=BOX)
    assert regions == [((0.0, 10.0, 0.0, 4.0), 0)]  # a threshold beyond the box leaves one region


def test_figures_build():
    trainer = RulesTrainer(RulesConfig())
    fig, note = rules_plane(trainer.snapshot(), RuleSet(Split(2, 2.5, 0, 1)), 2, 3, FEATURES, SPECIES)
    assert note == "" and len(fig.layout.shapes) == 2 and "petal length" in fig.layout.xaxis.title.text
    cm = confusion_figure(np.array([[5, 0, 0], [0, 4, 1], [0, 2, 3]]), SPECIES, "t")
    assert cm.data[0].text.tolist() == [["5", "0", "0"], ["0", "4", "1"], ["0", "2", "3"]]
    dot = pipelines_dot()
    assert dot.count("{") == dot.count("}") and "Program" in dot and "Results" in dot
    assert dot.count("subgraph cluster_") == 3  # expert system, learning, generative
    assert "m3 -> s3" in dot and "q3 -> s3" in dot and "s3 -> n3" in dot  # the sampling step takes model and prompt
