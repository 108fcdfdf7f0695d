"""Shipped checkpoints (core/checkpoints.py): safe loading, refusal of what does not fit, and each one's quality."""

from __future__ import annotations

import dataclasses
import io
import json
import pickle
from contextlib import redirect_stdout

import numpy as np
import pytest
import torch

from core import checkpoints, cli
from core.checkpoints import CheckpointError
from core.gan import GanConfig, GanTrainer

SMALL = GanConfig(g_width=16, d_width=16, batch_size=64, eval_every=1000)


def trained_small(tmp_path, steps=20):
    trainer = GanTrainer(SMALL)
    for _ in range(steps):
        trainer.step()
    return trainer, checkpoints.save(trainer, "gan", tmp_path / "gan.pt")


def test_a_checkpoint_round_trips_every_network_and_the_step(tmp_path):
    trainer, path = trained_small(tmp_path)
    fresh = GanTrainer(dataclasses.replace(SMALL, seed=7))  # other random weights
    assert not torch.equal(next(fresh.G.parameters()), next(trainer.G.parameters()))
    checkpoints.load_into(fresh, "gan", path)
    for (k, a), (k2, b) in zip(checkpoints.tensors(trainer).items(), checkpoints.tensors(fresh).items()):
        assert k == k2 and torch.equal(a, b), k
    assert fresh.steps == trainer.steps == 20
    assert set(checkpoints.networks(trainer)) >= {"G", "D"}


def test_other_data_or_other_networks_are_refused_with_a_reason(tmp_path):
    _, path = trained_small(tmp_path)
    with pytest.raises(CheckpointError, match="data=ring"):
        checkpoints.load_into(GanTrainer(dataclasses.replace(SMALL, data="grid")), "gan", path)
    with pytest.raises(CheckpointError, match="g_width=16"):
        checkpoints.load_into(GanTrainer(dataclasses.replace(SMALL, g_width=32)), "gan", path)
    with pytest.raises(CheckpointError, match="holds a gan model"):
        checkpoints.load_into(GanTrainer(SMALL), "vae", path)
    # settings that only steer training may differ
    checkpoints.load_into(GanTrainer(dataclasses.replace(SMALL, lr_g=1e-3, seed=3)), "gan", path)


def test_a_checkpoint_from_other_code_is_refused(tmp_path):
    trainer, path = trained_small(tmp_path)
    blob = torch.load(path, weights_only=True)
    name = next(iter(blob["tensors"]))
    blob["tensors"][name] = torch.zeros(3, 3, 3)
    torch.save(blob, path)
    with pytest.raises(CheckpointError, match="do not match"):
        checkpoints.load_into(GanTrainer(SMALL), "gan", path)


class Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_files_that_need_arbitrary_unpickling_are_not_loaded(tmp_path, capsys):
    path = tmp_path / "evil.pt"
    torch.save({"format": 1, "model": "gan", "tensors": {}, "x": Payload()}, path)
    with pytest.raises(CheckpointError, match="not a plain-tensor checkpoint"):
        checkpoints.read(path)
    assert "must never run" not in capsys.readouterr().out
    (tmp_path / "junk.pt").write_bytes(pickle.dumps([1, 2]) + b"junk")
    with pytest.raises(CheckpointError):
        checkpoints.read(tmp_path / "junk.pt")
    with pytest.raises(CheckpointError, match="No trained model"):
        checkpoints.read(tmp_path / "missing.pt")


def run_cli(*argv: str) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(list(argv))
    line = json.loads(out.getvalue().strip().splitlines()[-1])
    assert code == 0, line
    return line


# each shipped checkpoint, judged as it is (--steps 0) by the CLI's own final metrics, against a floor
FLOORS = {
    "gan": lambda m: m["modes_captured"] >= 8 and m["high_quality"] >= 0.5,
    "vae": lambda m: m["classes"] >= 9 and m["confident"] >= 0.45 and m["test_loss"] <= 24.5,
    "ddpm": lambda m: m["modes_captured"] >= 8 and m["high_quality"] >= 0.6,
    "score": lambda m: m["modes_captured"] >= 8 and m["high_quality"] >= 0.8,
    "flow": lambda m: m["modes_captured"] >= 8 and m["high_quality"] >= 0.8,
    "text": lambda m: m["val_loss"] <= m["bigram_val_loss"] - 0.5,
    "cnn": lambda m: m["cnn_test_accuracy"] >= 0.95 and m["cnn_shifted_accuracy"] >= 0.6,
}


@pytest.mark.parametrize("model", sorted(FLOORS))
def test_each_shipped_checkpoint_is_trained_and_fits_the_default_settings(model):
    assert checkpoints.available(model), f"assets/checkpoints/{model}.pt is missing"
    assert checkpoints.settings_fit(model, cli.discover()[model].config()) is None
    metrics = run_cli("train", model, "--start", "trained", "--steps", "0")
    assert metrics["steps"] == 0 and metrics["start"] == "trained"
    assert FLOORS[model](metrics), metrics


def test_the_shipped_checkpoints_are_small():
    total = sum(checkpoints.path_for(m).stat().st_size for m in FLOORS if checkpoints.available(m))
    assert total < 5e6, f"{total / 1e6:.1f} MB"


def test_a_running_job_hands_out_its_weights_and_a_trained_start_loads_them(tmp_path):
    from core.service import RunSpec, TrainingService

    service = TrainingService(workers=1, memory_mb=1500)
    try:
        job = service.create(RunSpec.of(GanTrainer, SMALL), name="gan")
        job.step_once(5)
        raw = job.weights()
        assert raw
        (tmp_path / "down.pt").write_bytes(raw)
        blob = checkpoints.read(tmp_path / "down.pt")  # a download is a checkpoint like the shipped ones
        assert blob["model"] == "gan" and blob["steps"] == 5
        fresh = checkpoints.load_into(GanTrainer(dataclasses.replace(SMALL, seed=9)), "gan", tmp_path / "down.pt")
        assert fresh.steps == 5
        job.stop()
        assert job.weights() is None  # a dropped job has nothing to give
    finally:
        service.shutdown()


def test_csv_exports_flatten_points_and_keep_columns():
    from dashboard.live import csv_of

    text = csv_of({"step": np.arange(3), "loss": np.array([1.0, 0.5, 0.25])}).decode()
    assert text.splitlines()[0] == "step,loss" and text.splitlines()[3] == "2,0.25"
    text = csv_of({"": np.array([[1.0, 2.0], [3.0, 4.0]])}).decode()
    assert text.splitlines() == ["x1,x2", "1.0,2.0", "3.0,4.0"]


def test_settings_that_build_the_same_model_fit_the_shipped_vae():
    from core.vae import VAEConfig, VAETrainer

    # the page names the digits' decoder (Bernoulli) where the CLI says "auto", and measures more often
    assert checkpoints.settings_fit("vae", VAEConfig(decoder="bernoulli", quality_every=250)) is None
    assert "decoder=bernoulli" in checkpoints.settings_fit("vae", VAEConfig(decoder="gaussian"))
    trainer = checkpoints.build_trained(VAETrainer, "vae", VAEConfig(decoder="bernoulli"))
    assert trainer.steps > 0


def test_a_run_from_a_shipped_checkpoint_starts_with_the_loaded_models_numbers_and_trains_as_before():
    from core.cnn import CnnConfig, CnnVsMlpTrainer
    from core.runner import Run

    cfg = CnnConfig()
    loaded = Run(checkpoints.build_trained(CnnVsMlpTrainer, "cnn", cfg), max_steps=3)
    history = loaded.history.columns()
    assert list(history["step"]) == [0] and history["cnn_test_accuracy"][0] > 0.9  # measured before any step
    assert loaded.step_count == 0 and loaded.last_metrics["mlp_test_accuracy"] > 0.9
    plain = checkpoints.load_into(CnnVsMlpTrainer(cfg), "cnn")  # as the CLI loads it: no measuring
    assert Run(plain).history.columns()["step"].size == 0
    loaded.step_once(2)
    steps = [plain.step() for _ in range(2)]
    assert list(loaded.history.columns()["step"]) == [0, 1, 2]
    assert loaded.last_metrics == steps[-1]  # the measurement changes nothing of the training
