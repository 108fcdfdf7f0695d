"""Replays: the diffusion, score and flow samplers' trajectories, asked on demand through the worker."""

from __future__ import annotations

import numpy as np
import pytest

from core.diffusion import DiffusionConfig, DiffusionTrainer
from core.flow import FlowConfig, FlowTrainer
from core.replay import MAX_FRAMES, frames
from core.score import ScoreConfig, ScoreTrainer
from dashboard.fig_samples import replay_figure


@pytest.mark.parametrize("trainer,label", [(DiffusionTrainer(DiffusionConfig()), "t"),
                                           (ScoreTrainer(ScoreConfig()), "σ"),
                                           (FlowTrainer(FlowConfig()), "t")])
def test_each_sampler_replays_its_cloud_from_noise_to_its_samples(trainer, label):
    replay = trainer.trajectory(n=200)
    f, t = replay["frames"], replay["times"]
    assert f.shape[1:] == (200, 2) and 2 <= len(f) <= MAX_FRAMES and len(t) == len(f)
    assert replay["time_label"] == label and np.isfinite(f).all()
    # the first frame is noise, the last near the data: the cloud's spread changes along the way
    assert not np.allclose(f[0], f[-1])
    assert "trajectory" in type(trainer).QUERIES
    fig = replay_figure(replay, "replay")
    assert len(fig.frames) == len(f) and len(fig.layout.sliders[0].steps) == len(f)


def test_frames_keep_the_first_and_last_state_and_thin_the_rest():
    paths = np.arange(100 * 3 * 2, dtype=float).reshape(100, 3, 2)
    out = frames(paths, np.linspace(1, 0, 100), "t", np.zeros((5, 2)), max_frames=10)
    assert len(out["frames"]) == 10 and out["times"][0] == 1 and out["times"][-1] == 0
    assert np.array_equal(out["frames"][-1], paths[-1]) and out["frames"].dtype == np.float32
    with pytest.raises(ValueError):
        frames(paths, np.zeros(3), "t", np.zeros((5, 2)))


def test_a_job_answers_a_listed_query_and_refuses_others():
    from core.service import RunSpec, TrainingService

    service = TrainingService(workers=1, memory_mb=1500)
    try:
        job = service.create(RunSpec.of(FlowTrainer, FlowConfig()), name="flow")
        replay = job.query("trajectory", n=50)
        assert replay["frames"].shape[1:] == (50, 2)
        assert job.query("step") is None  # not in QUERIES: refused, and the page gets None, not an error
        assert job.state == "idle"
        job.stop()
    finally:
        service.shutdown()


@pytest.mark.parametrize("page,name", [("diffusion.py", "diffusion"), ("score.py", "score"),
                                       ("flow_matching.py", "flow")])
def test_the_page_starts_trained_and_replays_its_sampler(page, name):
    from tests.pagetest import assert_clean, open_page, texts

    at = open_page(page)
    assert "Starting from random weights" not in texts(at), "the shipped checkpoint fits the page's defaults"
    button = next(b for b in at.button if b.key and b.key.endswith("_replay"))
    button.click().run()
    assert_clean(at)
    replays = [c for c in at.get("plotly_chart") if '"frames"' in c.proto.spec]
    assert replays, "the replay figure is drawn"
    assert "slider" in texts(at) or "Press ▶ under the picture" in texts(at)


@pytest.mark.parametrize("page,name,trace", [("gan.py", "gan", "scatter"), ("classification.py", "classify", None)])
def test_the_page_replays_its_training_from_the_first_step_to_now(page, name, trace):
    import json

    from tests.pagetest import assert_clean, open_page, press, status, step_of, wait_until

    at = open_page(page, {"start": "scratch"} if page == "gan.py" else None)
    for _ in range(4):  # single steps: a picture each, however fast the model trains afterwards
        press(at, f"{name}_step")
    press(at, f"{name}_play")
    wait_until(at, lambda a: step_of(status(a)) >= 300, "300 training steps")
    press(at, f"{name}_play")  # pause
    next(b for b in at.button if b.key == f"{name}_film").click().run()
    assert_clean(at)
    films = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if '"frames"' in c.proto.spec]
    assert len(films) == 1, "the training replay is drawn"
    frames = films[0]["frames"]
    labels = [s["label"] for s in films[0]["layout"]["sliders"][0]["steps"]]
    steps = [int("".join(ch for ch in label if ch.isdigit())) for label in labels]
    assert len(frames) >= 5 and steps[:5] == [0, 1, 2, 3, 4] and steps[-1] >= 300 and steps == sorted(steps)
    first, last = frames[0]["data"][0], frames[-1]["data"][0]
    key = "x" if trace == "scatter" else "z"
    assert first[key] != last[key], "the model moved between the first frame and the last"
