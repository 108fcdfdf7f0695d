"""The Job lifecycle, its history and the process-wide cap, with tiny fake trainers (no timing asserts)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from core.errors import DataError
from core.jobs import (DIVERGED, FAILED, FINISHED, IDLE, PAUSED, QUEUED, RUNNING, STOPPED, Job, MetricHistory,
                       SlotPool, one_line)


class Counter:
    """A trainer whose loss is 1/step, with an optional failure or NaN at a given step."""

    def __init__(self, nan_at: int | None = None, fail_at: int | None = None, delay: float = 0.0):
        self.steps = 0
        self.nan_at, self.fail_at, self.delay = nan_at, fail_at, delay
        self.lr = 1.0

    def step(self):
        self.steps += 1
        if self.delay:
            time.sleep(self.delay)
        if self.fail_at == self.steps:
            raise ZeroDivisionError("division by zero\nsecond line")
        loss = float("nan") if self.nan_at is not None and self.steps >= self.nan_at else 1.0 / self.steps
        return {"loss": loss}

    def snapshot(self):
        value = np.nan if self.nan_at is not None and self.steps >= self.nan_at else self.steps
        return {"x": np.array([value], dtype=float)}


def wait_for(predicate, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


def test_start_pause_resume_stop():
    job = Job(Counter(delay=0.001), pool=SlotPool(1))
    assert job.state == IDLE
    job.start()
    wait_for(lambda: job.step_count > 5)
    assert job.state == RUNNING
    job.pause()
    job.join(5)
    assert job.state == PAUSED
    frozen = job.step_count
    time.sleep(0.05)
    assert job.step_count == frozen
    job.resume()
    wait_for(lambda: job.step_count > frozen + 5)
    job.stop()
    assert job.state == STOPPED
    after = job.step_count
    time.sleep(0.05)
    assert job.step_count == after
    job.start()  # a stopped job stays stopped
    assert job.state == STOPPED


def test_single_steps_and_budget_then_play_extends():
    job = Job(Counter(), max_steps=3, pool=SlotPool(1))
    job.step_once()
    assert (job.state, job.step_count) == (PAUSED, 1)
    assert job.snapshot()["x"][0] == 1
    job.step_once(5)
    assert (job.state, job.step_count) == (FINISHED, 3)
    job.start()  # Play after the end grants another budget
    wait_for(lambda: job.state == FINISHED and job.step_count == 6)


def test_budget_finishes_in_background():
    job = Job(Counter(), max_steps=200, pool=SlotPool(1))
    job.start()
    wait_for(lambda: job.state == FINISHED)
    assert job.step_count == 200
    assert "budget" in job.message
    assert job.snapshot()["x"][0] == 200


def test_divergence_stops_and_keeps_last_good_snapshot():
    job = Job(Counter(nan_at=50), snapshot_every=0.0, snapshot_share=None, pool=SlotPool(1))
    job.start()
    wait_for(lambda: job.state == DIVERGED)
    assert job.step_count == 50
    assert "loss" in job.message and "nan" in job.message
    snap = job.snapshot()["x"]
    assert np.isfinite(snap).all() and snap[0] == 49
    assert np.isfinite(job.metrics()["loss"]).all()


def test_failure_gives_one_line_reason():
    job = Job(Counter(fail_at=7), pool=SlotPool(1))
    job.start()
    wait_for(lambda: job.state == FAILED)
    assert job.message.startswith("Failed at step 7: ZeroDivisionError: division by zero")
    assert "\n" not in job.message and "Traceback" not in job.message
    assert one_line(DataError("Bad file.\nmore")) == "Bad file."


def test_live_call_applies_between_steps():
    trainer = Counter(delay=0.001)
    job = Job(trainer, pool=SlotPool(1))
    job.call(lambda t: setattr(t, "lr", 0.5))  # not running: applied at once
    assert trainer.lr == 0.5
    job.start()
    job.call(lambda t: setattr(t, "lr", 0.25))
    wait_for(lambda: trainer.lr == 0.25)
    job.stop()


def test_pool_caps_running_jobs_and_queues_in_order():
    pool = SlotPool(2)
    jobs = [Job(Counter(delay=0.001), pool=pool) for _ in range(4)]
    for job in jobs:
        job.start()
    wait_for(lambda: sum(j.state == RUNNING for j in jobs) == 2)
    queued = [j for j in jobs if j.state == QUEUED]
    assert len(queued) == 2
    assert sorted(j.status().queue_position for j in queued) == [1, 2]
    assert pool.stats()["running"] == 2
    jobs[0].pause()  # a paused job gives its slot back
    wait_for(lambda: jobs[2].state == RUNNING)
    assert jobs[3].state == QUEUED and jobs[3].status().queue_position == 1
    for job in jobs:
        job.stop()
    assert pool.stats() == {"capacity": 2, "running": 0, "waiting": 0}


def test_queued_job_can_be_paused_and_stopped():
    pool = SlotPool(1)
    a, b = Job(Counter(delay=0.001), pool=pool), Job(Counter(), pool=pool)
    a.start()
    wait_for(lambda: a.state == RUNNING)
    b.start()
    wait_for(lambda: b.state == QUEUED)
    b.pause()
    wait_for(lambda: b.state == PAUSED)
    assert b.step_count == 0
    a.stop()
    b.stop()
    assert pool.stats()["waiting"] == 0


def test_pool_refuses_beyond_max_waiting():
    pool = SlotPool(1, max_waiting=1)
    jobs = [Job(Counter(delay=0.001), pool=pool) for _ in range(3)]
    for job in jobs:
        job.start()
    wait_for(lambda: jobs[2].state == FAILED)
    assert "busy" in jobs[2].message
    for job in jobs:
        job.stop()


def test_stop_ends_the_thread():
    job = Job(Counter(delay=0.001), pool=SlotPool(1))
    job.start()
    wait_for(lambda: job.state == RUNNING)
    thread = job._thread
    job.stop()
    assert thread is not None and not thread.is_alive()
    assert not any(t.name == f"genlab-job-{job.id}" for t in threading.enumerate())


def test_idle_timeout_pauses_an_unwatched_job():
    job = Job(Counter(delay=0.001), idle_timeout=0.05, pool=SlotPool(1))
    job.start()
    wait_for(lambda: job.state == PAUSED)
    assert "nobody" in job.message


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


@pytest.mark.parametrize("bad", [float("inf"), float("-inf")])
def test_infinite_loss_is_divergence(bad):
    class Boom(Counter):
        def step(self):
            return {"loss": bad}

    job = Job(Boom(), pool=SlotPool(1))
    job.step_once()
    assert job.state == DIVERGED


class Sweep(Counter):
    """A trainer with a fixed amount of work: done after 7 steps."""

    @property
    def done(self):
        return self.steps >= 7


def test_a_trainer_that_is_done_finishes_before_its_budget():
    job = Job(Sweep(), max_steps=1000, pool=SlotPool(1))
    job.start()
    job.join(10)
    assert job.state == FINISHED and job.step_count == 7 and "complete" in job.message


class SlowPicture(Counter):
    """A trainer whose snapshot takes a while: join() must wait for the last one."""

    def snapshot(self):
        time.sleep(0.05)
        return {"x": np.array([self.steps], dtype=float)}


def test_join_waits_for_the_final_snapshot():
    job = Job(SlowPicture(), max_steps=30, snapshot_every=3600.0, pool=SlotPool(1))
    job.start()
    job.join(10)
    assert job.state == FINISHED and job.snapshot()["x"][0] == 30


def test_pause_returns_once_the_step_in_progress_is_done():
    job = Job(Counter(delay=0.05), pool=SlotPool(1))
    job.start()
    wait_for(lambda: job.step_count >= 2)
    job.pause()
    assert job.state == PAUSED
    steps = job.step_count
    time.sleep(0.2)
    assert job.step_count == steps
