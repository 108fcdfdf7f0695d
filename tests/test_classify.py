"""Datasets, CSV uploads and the MLP classifier (quality at a fixed seed; no timing)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core.classify import ClassifyConfig, ClassifyTrainer, make_optimizer
from core.cli import main as cli_main
from core.csvdata import MAX_ROWS
from core.datasets import DATASET_NAMES, labelled_from_csv, make_dataset
from core.errors import ConfigError, DataError
from core.runner import DIVERGED, Run


@pytest.mark.parametrize("name", DATASET_NAMES)
def test_datasets_shapes_seeds_and_balance(name):
    a = make_dataset(name, 300, 0.1, seed=1)
    b = make_dataset(name, 300, 0.1, seed=1)
    c = make_dataset(name, 300, 0.1, seed=2)
    assert a.X.shape == (300, 2) and a.Y.shape == (300,) and a.X.dtype == np.float32
    assert np.array_equal(a.X, b.X) and not np.array_equal(a.X, c.X)
    assert set(np.unique(a.Y)) == {0, 1} and 0.3 < a.Y.mean() < 0.7


def test_two_draws_of_moons_differ_beyond_noise():
    """Angles are random, not evenly spaced: two noiseless draws are not the same set."""
    a = make_dataset("moons", 200, 0.0, seed=1).X
    b = make_dataset("moons", 200, 0.0, seed=2).X
    nearest = np.min(np.linalg.norm(a[:, None] - b[None], axis=-1), axis=1)
    assert nearest.max() > 0.01


def test_split_keeps_both_parts():
    train, test = make_dataset("xor", 10, 0.0, 0).split(0.95, 0)
    assert len(train.Y) == 9 and len(test.Y) == 1


def test_csv_upload_good_with_and_without_header():
    with_header = "x1,x2,label\n0,0,a\n1,1,b\n0,1,a\n1,0,b\n2,2,c\n"
    data = labelled_from_csv(with_header.encode())
    assert data.class_names == ("a", "b", "c") and data.X.shape == (5, 2)
    no_header = "0.5,1,2\n1,1,10\n0,1,2\n1,0,10\n"
    data = labelled_from_csv(no_header)
    assert data.class_names == ("2", "10") and list(data.Y) == [0, 1, 0, 1]


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "empty"),
        (b"x1,x2,label\n", "no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR\x00\x01", "binary"),
        (b"\xff\xfe\xfa\xfb garbage", "not UTF-8"),
        (b"a,b\n1,2\n3,4\n", "3 columns"),
        (b"x1,x2,label\n1,hello,0\n2,3,1\n", "not a number"),
        (b"x1,x2,label\n1,nan,0\n2,3,1\n4,4,1\n5,5,0\n", "NaN"),
        (b"x1,x2,label\n1,inf,0\n2,3,1\n4,4,1\n5,5,0\n", "infinite"),
        (b"x1,x2,label\n1,1,0\n2,3,0\n4,4,0\n5,5,0\n", "same label"),
        (b"x1,x2,label\n1,1,0\n2,3,1\n", "fewer than 4"),
    ],
)
def test_csv_upload_bad_input_says_why(content, words):
    with pytest.raises(DataError, match=words):
        labelled_from_csv(content)


def test_csv_upload_too_many_rows():
    rows = "\n".join(f"{i},{i},{i % 2}" for i in range(MAX_ROWS + 1))
    with pytest.raises(DataError, match=f"more than {MAX_ROWS:,} rows"):
        labelled_from_csv(rows.encode())


def test_classifier_reaches_97_percent_on_moons_within_1500_steps():
    trainer = ClassifyTrainer(ClassifyConfig(data="moons", noise=0.1, seed=0))
    for _ in range(1500):
        trainer.step()
    assert trainer.evaluate()["test_accuracy"] >= 0.97


def test_snapshot_is_finite_and_shaped():
    trainer = ClassifyTrainer(ClassifyConfig(hidden=(8, 4, 3)))
    trainer.step()
    snap = trainer.snapshot()
    assert snap["proba"].shape == (2, 80, 80)
    assert np.allclose(snap["proba"].sum(0), 1, atol=1e-5)
    assert snap["units_0"].shape == (8, 28, 28) and snap["units_1"].shape == (4, 28, 28)
    assert "units_2" not in snap


def test_no_hidden_layer_and_all_features():
    cfg = ClassifyConfig(data="circles", hidden=(), features=("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin_x1", "sin_x2"))
    trainer = ClassifyTrainer(cfg)
    for _ in range(300):
        trainer.step()
    assert trainer.evaluate()["test_accuracy"] > 0.95  # circles are linear in x1², x2²
    assert "units_0" not in trainer.snapshot()


def test_learning_rate_changes_without_reset():
    trainer = ClassifyTrainer(ClassifyConfig(lr=0.01))
    trainer.step()
    trainer.set_lr(0.5)
    assert all(g["lr"] == 0.5 for g in trainer.opt.param_groups)


def test_huge_learning_rate_diverges_in_a_job():
    trainer = ClassifyTrainer(ClassifyConfig(optimizer="sgd", lr=1e6, activation="linear", hidden=(8,), l2=1.0))
    job = Run(trainer)
    job.step_once(200)
    assert job.state == DIVERGED
    assert "learning rate" in job.message


@pytest.mark.parametrize("bad", [dict(hidden=(0,)), dict(hidden=(8,) * 7), dict(features=()), dict(lr=0.0),
                                 dict(activation="gelu"), dict(train_ratio=1.0)])
def test_bad_config_is_a_clear_error(bad):
    with pytest.raises(ConfigError):
        ClassifyTrainer(ClassifyConfig(**bad))


def test_cli_trains_and_writes_history(tmp_path, capsys):
    out = tmp_path / "run.npz"
    code = cli_main(["train", "classify", "--data", "moons", "--steps", "300", "--seed", "0",
                     "--hidden", "8,8", "--out", str(out)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 300 and summary["steps_per_s"] > 0
    assert {"train_accuracy", "test_accuracy", "train_loss", "test_loss", "seconds"} <= set(summary)
    saved = np.load(out)
    assert len(saved["history_step"]) == 300 and saved["history_loss"].shape == (300,)


def test_cli_reads_a_csv_and_reports_bad_data(tmp_path, capsys):
    good = tmp_path / "pts.csv"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    good.write_text("x1,x2,label\n" + "\n".join(f"{a},{b},{int(a > 0)}" for a, b in X))
    assert cli_main(["train", "classify", "--data", str(good), "--steps", "50"]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2,label\n1,1,0\n2,2,1\n")
    assert cli_main(["train", "classify", "--data", str(bad), "--steps", "5"]) == 2
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["state"] == "failed" and "fewer than 4" in last["message"]


def test_cli_seconds_limit(capsys):
    assert cli_main(["train", "classify", "--seconds", "0.5"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] > 0 and summary["seconds"] < 5


def test_l2_decays_the_weights_only_and_without_it_one_group_updates_all():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    plain = make_optimizer("adam", net.parameters(), 0.01, 0.0)
    assert len(plain.param_groups) == 1 and len(plain.param_groups[0]["params"]) == 4
    decayed = make_optimizer("momentum", net.parameters(), 0.01, 0.1)
    weights, biases = decayed.param_groups
    assert weights["weight_decay"] == 0.1 and all(p.dim() == 2 for p in weights["params"])
    assert biases["weight_decay"] == 0.0 and all(p.dim() == 1 for p in biases["params"])
