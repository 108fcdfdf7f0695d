"""The Run's bookkeeping, stepped synchronously: states, budget, history, divergence, pictures (no timing asserts)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from core.errors import DataError
from core.metric_history import MetricHistory
from core.runner import DIVERGED, FAILED, FINISHED, IDLE, PAUSED, RUNNING, STOPPED, Run, one_line
from tests.fake_trainers import Counter, DearPicture


def run_until_stopped(run: Run, max_slices: int = 10_000) -> None:
    for _ in range(max_slices):
        if not run.active:
            return
        run.run_slice(0.01)
    raise AssertionError("the run did not stop")


def test_start_pause_resume_stop():
    run = Run(Counter())
    assert run.state == IDLE
    run.start()
    assert run.state == RUNNING
    assert run.run_slice(0.005) >= 1
    run.pause()
    assert run.state == PAUSED
    frozen = run.step_count
    assert run.run_slice(0.005) == 0 and run.step_count == frozen
    run.start()
    run.run_slice(0.005)
    assert run.step_count > frozen
    run.stop()
    assert run.state == STOPPED
    run.start()  # a stopped run stays stopped
    assert run.state == STOPPED and run.run_slice(0.005) == 0


def test_single_steps_and_budget_then_play_extends():
    run = Run(Counter(), max_steps=3)
    run.step_once()
    assert (run.state, run.step_count) == (PAUSED, 1)
    assert run.snapshot["x"][0] == 1
    run.step_once(5)
    assert (run.state, run.step_count) == (FINISHED, 3)
    run.start()  # Play after the end grants another budget
    run_until_stopped(run)
    assert (run.state, run.step_count) == (FINISHED, 6) and "budget" in run.message


def test_renewals_are_bounded_while_the_server_is_busy():
    run = Run(Counter(), max_steps=2, max_renewals=1)
    run.step_once(2)
    run.start(renew=False)  # others are training: no new budget
    assert run.state == FINISHED and "Reset" in run.message
    run.start()
    run_until_stopped(run)
    assert run.step_count == 4
    run.start()  # the one renewal is used up
    assert run.state == FINISHED and run.step_count == 4


def test_divergence_stops_and_keeps_last_good_snapshot():
    run = Run(Counter(nan_at=50), snapshot_every=0.0, snapshot_share=None)
    run.start()
    run_until_stopped(run)
    assert run.state == DIVERGED and run.step_count == 50
    assert "loss" in run.message and "nan" in run.message
    assert run.snapshot["x"][0] == 49
    assert np.isfinite(run.history.columns()["loss"]).all()


def test_a_non_finite_picture_with_a_finite_loss_stops_with_a_message():
    run = Run(Counter(nan_picture_at=5))
    run.step_once(4)
    good = run.snapshot_version
    run.step_once(1)
    assert run.state == DIVERGED and "model's x became NaN or infinite" in run.message
    assert run.snapshot_version == good and run.snapshot["x"][0] == 4  # the last good picture stays


@pytest.mark.parametrize("bad", [float("inf"), float("-inf")])
def test_infinite_loss_is_divergence(bad):
    class Boom(Counter):
        def step(self):
            return {"loss": bad}

    run = Run(Boom())
    run.step_once()
    assert run.state == DIVERGED


def test_metrics_are_checked_together_and_polled_as_plain_floats():
    """The run checks all metrics at once (their sum): a NaN among finite values is named; finite values whose
    sum overflows are not divergence; numpy and torch scalars reach the page as plain floats."""
    class Mixed(Counter):
        def step(self):
            self.steps += 1
            bad = self.nan_at is not None and self.steps >= self.nan_at
            return {"loss": np.float32(0.5), "big": 1e308, "bigger": 1e308,
                    "acc": torch.tensor(float("nan") if bad else 0.25)}

    run = Run(Mixed(nan_at=3))
    run.step_once(2)
    assert run.state == PAUSED and run.step_count == 2
    last = run.poll()["last_metrics"]
    assert last == {"loss": 0.5, "big": 1e308, "bigger": 1e308, "acc": 0.25}
    assert all(type(v) is float for v in last.values())
    run.step_once(1)
    assert run.state == DIVERGED and "acc became nan" in run.message and "loss" not in run.message
    assert run.poll()["last_metrics"]["acc"] == 0.25  # the last good metrics stay


def test_inf_and_minus_inf_together_are_both_named():
    class Both(Counter):
        def step(self):
            return {"gain": float("inf"), "loss": float("-inf"), "acc": 0.5}

    run = Run(Both())
    run.step_once()
    assert run.state == DIVERGED and "gain, loss became inf" in run.message


def test_failure_gives_one_line_reason():
    run = Run(Counter(fail_at=7))
    run.start()
    run_until_stopped(run)
    assert run.state == FAILED
    assert run.message.startswith("Failed at step 7: ZeroDivisionError: division by zero")
    assert "\n" not in run.message and "Traceback" not in run.message
    assert one_line(DataError("Bad file.\nmore")) == "Bad file."


def test_live_settings_apply_between_steps_and_bad_ones_fail_clearly():
    run = Run(Counter())
    run.set_live({"lr": 0.5})
    assert run.trainer.lr == 0.5 and run.snapshot["lr"] == 0.5
    run.set_live({"lr": -1.0})
    assert run.state == FAILED and "learning rate must be positive" in run.message


def test_a_trainer_that_is_done_finishes_before_its_budget():
    run = Run(Counter(done_at=7), max_steps=1000)
    run.start()
    run_until_stopped(run)
    assert run.state == FINISHED and run.step_count == 7 and "complete" in run.message


def test_pacing_limits_steps_per_slice():
    run = Run(Counter(), max_steps_per_s=5.0)
    run.start()
    assert run.run_slice(0.05) == 1  # one step, then the next is due in 0.2 s
    assert run.run_slice(0.05) == 0 and run.due_in() > 0


class FakeClock:
    """``time.perf_counter`` for core.runner: a step takes 1 ms, other runs' turns are ``wait``."""

    def __init__(self) -> None:
        self.now = 100.0

    def perf_counter(self) -> float:
        return self.now

    thread_time = perf_counter  # a picture's CPU time (none here: a snapshot takes no fake time)

    def wait(self, seconds: float) -> None:
        self.now += seconds


class TimedCounter(Counter):
    def __init__(self, clock: FakeClock):
        super().__init__()
        self.clock = clock

    def step(self) -> dict[str, float]:
        self.clock.wait(0.001)
        return super().step()


def test_the_shown_rate_is_the_runs_share_of_a_shared_worker_not_the_speed_of_its_slices(monkeypatch):
    import core.runner

    clock = FakeClock()
    monkeypatch.setattr(core.runner, "time", clock)
    run = Run(TimedCounter(clock))
    run.start()
    for turn in range(1, 100):  # slices of 0.1 s (100 steps) between fourteen other runs' turns of 0.1 s
        run.run_slice(0.1)
        clock.wait(1.4)
        if turn > 1:  # its slices run at 1,000 steps/s; its share is 100 steps in 1.5 s
            assert run.steps_per_s() == pytest.approx(100 / 1.5, rel=0.01)
    run.pause()
    assert run.steps_per_s() == 0.0
    run.start()  # the rate starts again from Play
    run.run_slice(0.5)
    assert run.steps_per_s() == pytest.approx(1000, rel=0.05)


def test_a_slice_lets_its_host_answer_between_steps_and_stops_if_an_answer_pauses_it():
    run = Run(Counter(delay=0.001))
    run.start()
    calls = []
    taken = run.run_slice(0.1, lambda: calls.append(run.step_count))
    assert len(calls) >= 3 and taken > calls[-1] - calls[0]  # every few milliseconds, between two steps
    steps = run.step_count
    assert run.run_slice(10.0, run.pause) >= 1  # the host's answer pauses it: the slice ends there
    assert run.state == PAUSED and run.step_count - steps < 100


def test_snapshots_are_taken_when_asked_and_only_if_newer():
    run = Run(Counter(), snapshot_every=0.0, snapshot_share=None)
    first = run.poll()
    assert first["snapshot"][0] == run.snapshot_version and first["history"] is not None
    again = run.poll(run.snapshot_version, run.history_version)
    assert again["snapshot"] is None and again["history"] is None  # nothing new: nothing sent
    run.step_once(3)
    newer = run.poll(first["snapshot"][0], first["history"][0])
    assert newer["snapshot"][1]["x"][0] == 3 and list(newer["history"][1]["step"]) == [1, 2, 3]


def test_pictures_come_no_faster_than_their_share_of_the_time_allows_and_polls_say_how_often():
    run = Run(Counter(), snapshot_every=0.5, snapshot_share=0.1)
    assert run.poll()["timing"]["snapshot_wait"] >= 0.5
    run._snapshot_cost = 0.2  # as if a picture took 0.2 s: at most a tenth of the time, so every 2 s
    assert run.snapshot_wait() == pytest.approx(2.0)
    assert run.poll()["timing"]["snapshot_wait"] == pytest.approx(2.0)
    run.start()
    assert run.run_slice(0.01) > 0  # new steps, no picture yet
    have = run.snapshot_version
    run._snapshot_time = time.perf_counter() - 1.0  # the last picture is 1 s old: too recent for a new one
    assert run.poll(have)["snapshot"] is None
    run._snapshot_time = time.perf_counter() - 3.0  # 3 s old: time for the next
    assert run.poll(have)["snapshot"] is not None


def test_the_pace_of_pictures_follows_their_mean_cpu_cost_and_the_runs_sharing_the_host():
    run = Run(DearPicture(cpu_s=0.2), snapshot_every=0.001, snapshot_share=0.1)
    assert run.snapshot_wait() == 0.001  # the picture at the build is not counted: caches are cold, no one trains
    run.trainer.cpu_s = 0.01
    run.step_once(1)
    assert run.snapshot_wait() == pytest.approx(0.1, rel=0.2)  # 10 ms of CPU a picture: one every 0.1 s
    run.sharing = 3  # a worker training three runs: each run's pictures take a tenth of its third
    assert run.snapshot_wait() == pytest.approx(0.3, rel=0.2)
    run.sharing = 1
    run.trainer.cpu_s = 0.1  # one dear picture (a quality measure) does not set the pace alone: a mean does
    run.step_once(1)  # a step, then a picture
    assert run.snapshot_version == 3 and 0.3 < run.snapshot_wait() < 0.8
    run.trainer.cpu_s = 0.01
    run.step_once(1)
    run.step_once(1)
    run.step_once(1)
    run.step_once(1)
    assert run.snapshot_version == 7 and run.snapshot_wait() < 0.2


def test_history_stays_bounded_and_keeps_the_whole_run():
    hist = MetricHistory(capacity=100)
    for step in range(1, 100_001):
        hist.record(step, {"loss": 1.0 / step})
    assert len(hist) < 100
    cols = hist.columns()
    assert cols["step"][0] <= 2048 and cols["step"][-1] > 90_000
    assert np.all(np.diff(cols["step"]) > 0)


def test_history_fills_missing_metrics_with_nan():
    hist = MetricHistory()
    hist.record(1, {"loss": 1.0})
    hist.record(2, {"loss": 0.5, "test": 0.7})
    cols = hist.columns()
    assert np.isnan(cols["test"][0]) and cols["test"][1] == 0.7


def test_history_keeps_columns_aligned_when_metrics_come_and_go():
    hist = MetricHistory(capacity=8)
    for step in range(1, 41):  # a test metric every 5th step, a late one from step 30 on
        row = {"loss": float(step)} | ({"test": -float(step)} if step % 5 == 0 else {}) \
            | ({"late": 2.0 * step} if step >= 30 else {})
        hist.record(step, row)
    cols = hist.columns()
    assert set(cols) == {"step", "loss", "test", "late"}
    assert all(len(v) == len(cols["step"]) for v in cols.values())
    np.testing.assert_array_equal(cols["loss"], cols["step"].astype(float))
    has_test = cols["step"] % 5 == 0
    np.testing.assert_array_equal(cols["test"][has_test], -cols["step"][has_test].astype(float))
    assert np.isnan(cols["test"][~has_test]).all()
    late = cols["step"] >= 30
    np.testing.assert_array_equal(cols["late"][late], 2.0 * cols["step"][late])
    assert np.isnan(cols["late"][~late]).all()

