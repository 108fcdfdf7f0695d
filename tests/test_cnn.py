"""The small CNN against the MLP on 8x8 digits (quality at a fixed seed; no timing)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core import digits
from core.cli import main as cli_main
from core.cnn import CnnConfig, CnnVsMlpTrainer, SmallCNN, make_mlp, parameter_count
from core.errors import ConfigError


def test_shapes_and_parameter_counts():
    cnn, mlp = SmallCNN(8), make_mlp(64)
    x = torch.zeros(5, 64)
    assert cnn(x).shape == (5, 10) and mlp(x).shape == (5, 10)
    # conv1: 8·9+8, conv2: 16·8·9+16, head: 64·10+10; MLP: 64·64+64 + 64·10+10
    assert parameter_count(cnn) == 80 + 1168 + 650 == 1898
    assert parameter_count(mlp) == 4160 + 650 == 4810


def test_convolution_is_translation_equivariant():
    """The same filter at every position: a shifted image gives a shifted feature map (inside the border)."""
    torch.manual_seed(0)
    cnn = SmallCNN(4)
    x = torch.from_numpy(digits.load().x_test[:3])
    xs = torch.from_numpy(digits.shift(x.numpy(), dx=1))
    with torch.no_grad():
        h = cnn.conv1(x.view(-1, 1, 8, 8))
        hs = cnn.conv1(xs.view(-1, 1, 8, 8))
    assert torch.allclose(hs[..., 1:-1, 2:-1], h[..., 1:-1, 1:-2], atol=1e-6)


def test_cnn_learns_digits_and_is_more_robust_to_a_shift_than_the_mlp():
    t = CnnVsMlpTrainer(CnnConfig(seed=0, eval_every=100))
    for _ in range(600):
        t.step()
    m = t.evaluate()
    assert m["cnn_test_accuracy"] >= 0.95 and m["mlp_test_accuracy"] >= 0.93
    assert m["cnn_shifted_accuracy"] > m["mlp_shifted_accuracy"] + 0.1
    assert m["mlp_shifted_accuracy"] < m["mlp_test_accuracy"] - 0.2  # the MLP loses much to one pixel


def test_snapshot_misclassified_examples_are_misclassified():
    t = CnnVsMlpTrainer(CnnConfig(seed=1))
    for _ in range(30):
        t.step()
    snap = t.snapshot()
    assert snap["filters"].shape == (8, 3, 3)
    for name in ("cnn", "mlp"):
        for part in ("test", "shifted"):
            imgs = snap[f"{name}_{part}_wrong_images"]
            pred, true = snap[f"{name}_{part}_wrong_pred"], snap[f"{name}_{part}_wrong_true"]
            assert imgs.shape[1:] == (8, 8) and len(imgs) == len(pred) == len(true) <= 12
            assert np.all(pred != true)
            x = torch.from_numpy(imgs.reshape(-1, 64))
            with torch.no_grad():
                assert np.array_equal(t.models[name](x).argmax(1).numpy(), pred)
    assert np.array_equal(snap["shifted_example"][:, 1:], snap["test_example"][:, :-1])


def test_learning_rate_changes_without_reset():
    t = CnnVsMlpTrainer(CnnConfig())
    t.set_lr(0.5)
    assert all(g["lr"] == 0.5 for opt in t.opts.values() for g in opt.param_groups)
    t.set_live(lr=0.02)  # what the page sends
    assert all(g["lr"] == 0.02 for opt in t.opts.values() for g in opt.param_groups)
    t.set_live()  # no value: unchanged
    assert all(g["lr"] == 0.02 for opt in t.opts.values() for g in opt.param_groups)


def test_snapshot_has_the_parameter_counts_as_plain_ints():
    snap = CnnVsMlpTrainer(CnnConfig(channels=8, mlp_hidden=64)).snapshot()
    assert snap["cnn_parameters"] == 1898 and snap["mlp_parameters"] == 4810
    assert type(snap["cnn_parameters"]) is int and type(snap["mlp_parameters"]) is int


@pytest.mark.parametrize("bad", [dict(channels=0), dict(mlp_hidden=0), dict(lr=0.0), dict(shift_dx=5),
                                 dict(batch_size=0)])
def test_bad_config(bad):
    with pytest.raises(ConfigError):
        CnnVsMlpTrainer(CnnConfig(**bad))


def test_cli_cnn(tmp_path, capsys):
    out = tmp_path / "cnn.npz"
    assert cli_main(["train", "cnn", "--steps", "30", "--channels", "4", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["steps"] == 30 and summary["cnn_parameters"] < summary["mlp_parameters"]
    assert {"cnn_test_accuracy", "mlp_shifted_accuracy"} <= set(summary)
    assert np.load(out)["filters"].shape == (4, 3, 3)
