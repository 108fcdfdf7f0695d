"""The training service with real worker processes: proxies, fairness, seeds, failures, safety."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import numpy as np
import pytest
import torch

from core.errors import ConfigError, GenLabError
from core.runner import DIVERGED, FAILED, FINISHED, PAUSED, RUNNING
from core.service import RunSpec, TrainingService, usable_cores
from tests.fake_trainers import Counter, DearPicture, Hog


def wait_for(job, predicate, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while True:
        job.poll()
        if predicate():
            return
        assert time.monotonic() < end, f"timed out; status {job.status()}"
        time.sleep(0.02)


@contextlib.contextmanager
def service_of(**options):
    """A training service whose workers may build the fake trainers (they live in tests/)."""
    saved = RunSpec.PACKAGES
    RunSpec.PACKAGES = ("core", "tests")
    service = TrainingService(**options)
    try:
        yield service
    finally:
        service.shutdown()
        RunSpec.PACKAGES = saved


@pytest.fixture(scope="module")
def svc():
    with service_of(workers=2, memory_mb=1500) as service:
        yield service


def test_play_pause_step_and_live_settings_through_the_proxy(svc):
    job = svc.create(RunSpec.of(Counter), max_steps=10**9, snapshot_every=0.0)
    assert job.state == "idle" and job.snapshot()["x"][0] == 0
    job.start()
    wait_for(job, lambda: job.step_count > 100)
    assert job.state == RUNNING and job.status().steps_per_s > 0
    job.pause()
    assert job.state == PAUSED
    frozen = job.step_count
    assert job.snapshot()["x"][0] == frozen  # pausing brings the final picture
    job.step_once(3)
    assert job.step_count == frozen + 3 and job.snapshot()["x"][0] == frozen + 3
    job.set_live(lr=0.25)
    assert job.snapshot()["lr"] == 0.25
    assert len(job.metrics()["loss"]) == len(job.metrics()["step"]) > 0
    version = job.snapshot_version
    assert not job.poll() and job.snapshot_version == version  # nothing new: no picture sent
    job.stop()


def test_runs_are_built_in_a_worker_not_in_the_page(svc):
    job = svc.create(RunSpec.of(Counter))
    assert job.snapshot()["pid"] != os.getpid()
    assert job.snapshot()["pid"] in {w.pid for w in svc.workers}
    job.stop()


def test_workers_train_with_denormals_flushed(svc):
    """Denormal floats are slow on a CPU (a long run slowed by 20 %): the worker's training thread flushes them."""
    kept = []

    def unflushed() -> None:  # a thread of its own: the flag belongs to the thread, and this one is cleared
        torch.set_flush_denormal(False)
        kept.append(float(torch.tensor(1e-40, dtype=torch.float32) * 2.0))

    thread = threading.Thread(target=unflushed)
    thread.start()
    thread.join()
    assert kept[0] > 0  # without the flush the product is a denormal, not 0
    assert svc.create(RunSpec.of(Counter)).snapshot()["tiny"] == 0.0


def test_closures_and_foreign_builders_are_refused():
    with pytest.raises(ConfigError):
        RunSpec.of(lambda: Counter())
    def local():  # noqa: E306
        return Counter()
    with pytest.raises(ConfigError):
        RunSpec.of(local)
    with pytest.raises(ConfigError):
        RunSpec.of(np.zeros, 3)  # not a model of core


def test_a_build_error_is_a_message_and_the_worker_lives_on(svc):
    with pytest.raises(GenLabError, match="learning rate must be positive"):
        svc.create(RunSpec.of(Counter), live={"lr": -1.0})
    assert svc.create(RunSpec.of(Counter)).state == "idle"


def test_jobs_spread_over_the_workers_and_share_them(svc):
    jobs = [svc.create(RunSpec.of(Counter, delay=0.0005), max_steps=10**9) for _ in range(4)]
    assert {j.worker.index for j in jobs} == {0, 1}
    for j in jobs:
        j.start()
    for j in jobs:  # round-robin: every running job advances, none waits in a queue
        wait_for(j, lambda j=j: j.step_count >= 20)
    for j in jobs:
        j.stop()


def test_a_run_s_pictures_take_their_share_of_its_own_turn_in_a_shared_worker():
    """Three runs sharing one worker each wait three times as long between pictures as one alone: thirty
    students' pictures take the same share of the machine as one student's (CPU time: load does not count)."""
    with service_of(workers=1, memory_mb=0) as service:
        jobs = [service.create(RunSpec.of(DearPicture, cpu_s=0.02), max_steps=10**9, snapshot_every=0.001,
                               snapshot_share=0.5) for _ in range(3)]
        first = jobs[0]
        first.start()
        wait_for(first, lambda: first.snapshot_version >= 3)
        alone = first.timing["snapshot_wait"]
        for job in jobs[1:]:
            job.start()
        seen = first.snapshot_version
        wait_for(first, lambda: first.snapshot_version >= seen + 3)  # the pace is set anew at each of its pictures
        shared = first.timing["snapshot_wait"]
        for job in jobs:
            job.stop()
    assert alone == pytest.approx(0.04, rel=0.3) and shared == pytest.approx(3 * alone, rel=0.3), (alone, shared)


def test_a_seed_gives_the_same_run_whatever_else_runs(svc):
    alone = svc.create(RunSpec.of(Counter, seed=7), max_steps=300)
    alone.step_once(300)
    expected = alone.snapshot()
    noise = [svc.create(RunSpec.of(Counter), max_steps=10**9) for _ in range(2)]  # they draw from torch too
    for n in noise:
        n.start()
    crowded = svc.create(RunSpec.of(Counter, seed=7), max_steps=300)
    crowded.start()
    wait_for(crowded, lambda: crowded.state == FINISHED)
    got = crowded.snapshot()
    np.testing.assert_array_equal(got["w"], expected["w"])
    np.testing.assert_array_equal(got["draws"], expected["draws"])
    for j in (alone, crowded, *noise):
        j.stop()


def test_a_seed_gives_the_same_run_when_requests_for_other_runs_are_answered_inside_its_turn():
    """A worker answers requests every few milliseconds inside a run's turn; a request about another run
    swaps the random state, and the turn's run must get its own back."""
    with service_of(workers=1) as one:
        alone = one.create(RunSpec.of(Counter, seed=7, delay=0.001), max_steps=300)
        alone.step_once(300)
        expected = alone.snapshot()["draws"]
        noise = one.create(RunSpec.of(Counter, delay=0.001), max_steps=10**9)
        noise.start()
        crowded = one.create(RunSpec.of(Counter, seed=7, delay=0.001), max_steps=300)
        crowded.start()
        answers = 0
        while crowded.state != FINISHED:  # about three turns of 0.1 s: these land inside them
            noise.step_once(0)  # a request about the other run (it is running: no step)
            crowded.poll()
            answers += 1
        assert answers > 20
        np.testing.assert_array_equal(crowded.snapshot()["draws"], expected)


def test_a_killed_worker_fails_only_its_own_jobs_and_comes_back(svc):
    made = [svc.create(RunSpec.of(Counter, delay=0.0005), max_steps=10**9) for _ in range(4)]
    by_worker = {j.worker.index: j for j in made}
    assert len(by_worker) == 2  # placed on both workers
    victim, bystander = by_worker[0], by_worker[1]
    jobs = [victim, bystander]
    for j in made:
        if j not in jobs:
            j.stop()
    for j in jobs:
        j.start()
    wait_for(victim, lambda: victim.step_count > 10)
    os.kill(victim.worker.pid, signal.SIGKILL)
    wait_for(victim, lambda: victim.state == FAILED)
    assert "worker stopped" in victim.message and "signal 9" in victim.message
    before = bystander.step_count
    wait_for(bystander, lambda: bystander.step_count > before + 10)
    assert bystander.state == RUNNING
    again = svc.create(RunSpec.of(Counter))  # the restarted worker takes new jobs
    assert again.state == "idle"
    for j in (*jobs, again):
        j.stop()


def test_a_run_created_while_its_worker_restarts_lands_on_the_new_worker(svc):
    """The race CI once met: a worker picked for a new run dies and restarts before the request is sent.
    The run belongs to the process that builds it, not to the one that was running when it was picked."""
    killed = {}

    def kill_first_then_send(worker, original):
        def send(op, *args, **kwargs):
            if op == "create" and not killed:
                killed[worker] = worker.generation
                os.kill(worker.pid, signal.SIGKILL)
                deadline = time.monotonic() + 30
                while worker.generation == killed[worker] and time.monotonic() < deadline:
                    time.sleep(0.01)
            return original(op, *args, **kwargs)
        return send

    for w in svc.workers:
        w._send = kill_first_then_send(w, w._send)
    try:
        job = svc.create(RunSpec.of(Counter))
    finally:
        for w in svc.workers:
            del w._send
    [(worker, old)] = killed.items()
    assert job.worker is worker and worker.generation > old
    assert worker.jobs == 1  # the new process hosts this run only, and it is counted
    assert job.state == "idle"
    job.step_once(3)
    wait_for(job, lambda: job.step_count == 3)
    job.stop()


def test_a_model_that_eats_memory_fails_alone(svc):
    hog = svc.create(RunSpec.of(Hog, mb=200), max_steps=100)
    hog.start()
    wait_for(hog, lambda: hog.state == FAILED, timeout=60)
    assert "memory" in hog.message
    fine = svc.create(RunSpec.of(Counter))
    fine.step_once(5)
    assert fine.step_count == 5
    assert hog.worker.restarts == 0 or hog.worker.generation > 1  # the worker survived or came back


def test_a_non_finite_loss_diverges_in_the_worker(svc):
    job = svc.create(RunSpec.of(Counter, nan_at=20), snapshot_every=0.0)
    job.start()
    wait_for(job, lambda: job.state == DIVERGED)
    assert job.step_count == 20 and "last good state" in job.message
    assert np.isfinite(job.snapshot()["x"]).all()


def test_unwatched_jobs_pause(svc):
    job = svc.create(RunSpec.of(Counter, delay=0.001), max_steps=10**9, idle_timeout=0.3)
    job.start()
    running = job.worker.call("stats", 0, timeout=5.0)["running"]  # the worker's count: not a poll of the job
    end = time.monotonic() + 30
    while job.worker.call("stats", 0, timeout=5.0)["running"] >= running:  # nobody polls: the worker pauses it
        assert time.monotonic() < end, "the unwatched job was not paused"
        time.sleep(0.05)
    job.poll()
    assert job.state == PAUSED and "nobody" in job.message


def test_stop_never_waits_for_the_worker(svc):
    job = svc.create(RunSpec.of(Counter, delay=0.5), max_steps=10**9)
    job.start()
    job.stop()  # the worker is inside a half-second step: stop must not wait for it
    assert job.state == "stopped" and not job.worker._pending


def test_usable_cores_is_a_positive_count():
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)


def test_the_status_line_count_never_waits_for_a_worker(svc, monkeypatch):
    """A page's status line asks how busy the workers are; a stuck worker must not hold the page."""
    job = svc.create(RunSpec.of(Counter, delay=0.001), max_steps=10**9)
    job.start()
    worker = job.worker
    os.kill(worker.pid, signal.SIGSTOP)
    try:
        monkeypatch.setattr(type(worker), "call", lambda *a, **k: pytest.fail("stats() waited for a worker"))
        assert svc.stats(fresh_s=0.0)["workers"] == 2  # every count is stale: stats() asks again, without waiting
        monkeypatch.undo()
    finally:
        os.kill(worker.pid, signal.SIGCONT)
    end = time.monotonic() + 30
    while svc.stats()["running"] < 1:  # the answer to that question arrives and serves a later call
        assert time.monotonic() < end
        time.sleep(0.05)
    job.stop()


def test_a_job_fetches_the_film_its_worker_kept_and_nothing_once_dropped(svc):
    job = svc.create(RunSpec.of(Counter), max_steps=10**9, snapshot_every=0.0, film=("x",))
    job.step_once(4)
    reel = job.film()
    assert list(reel["step"])[-1] == 4 and reel["x"].shape == (len(reel["step"]), 1)
    plain = svc.create(RunSpec.of(Counter), max_steps=10**9, snapshot_every=0.0)
    plain.step_once(2)
    assert plain.film() is None  # a run films only when its page asks
    job.stop()
    plain.stop()
    assert job.film() is None


def test_a_worker_holds_numpy_and_torch_to_one_thread(svc):
    """Two workers with a BLAS thread per core each would fight over the cores (bench_share: 1.4x
    one job instead of 2.0x): every worker is one core's worth."""
    job = svc.create(RunSpec.of(Counter), max_steps=10**9, snapshot_every=0.0)
    job.step_once(1)
    assert job.snapshot()["blas_threads"] == "1" and job.snapshot()["pid"] != os.getpid()
    job.stop()


def test_the_worker_gives_freed_memory_back():
    """glibc keeps freed blocks below the top of its heap: a worker of 15 GAN runs averaged 548 MB, 451
    when trimmed (bench/bench_worker_memory.py). release_memory() (every worker, once a second) returns
    them."""
    from core.worker import MALLOC_TRIM, release_memory

    if MALLOC_TRIM is None:
        pytest.skip("not glibc")

    def rss_mb() -> float:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))

    blocks = [np.ones(100_000 // 8) for _ in range(2000)]  # 200 MB in 100 KB blocks on the heap
    last = blocks[-1]  # held: the freed blocks lie below it, where glibc does not give them back itself
    del blocks
    before = rss_mb()
    release_memory()
    assert rss_mb() < before - 100
    assert last.sum() > 0
