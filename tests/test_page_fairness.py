"""AppTest: a session's share of the server, and its jobs living in worker processes."""

from __future__ import annotations

import os
import re

from core.service import service
from dashboard import live
from tests.pagetest import open_page, press, texts, wait_until


def steps(at) -> dict[str, int]:
    """state -> step of every status line on the page (e.g. 'running · step 1,234 / 30,000')."""
    return {m.group(1): int(m.group(2).replace(",", ""))
            for m in re.finditer(r"(idle|running|paused|finished) · step ([\d,]+)", texts(at))}


def test_starting_one_job_too_many_pauses_the_oldest_with_a_notice(monkeypatch):
    monkeypatch.setattr(live, "SESSION_JOBS", 1)
    at = open_page("autoencoders.py")
    press(at, "ae_play")
    assert "running" in steps(at)
    press(at, "vae_play")
    assert "each student trains at most 1 models at once" in texts(at)
    wait_until(at, lambda a: steps(a).get("running", 0) > 0, "the VAE's first step")
    assert set(steps(at)) == {"running", "paused"}  # the VAE trains, the auto-encoders wait
    press(at, "vae_play")


def test_play_trains_in_a_worker_process_and_the_steps_advance():
    at = open_page("gan.py", {"gw": "16", "dw": "16", "batch": "64"})
    press(at, "gan_play")
    wait_until(at, lambda a: steps(a).get("running", 0) > 0, "a first step")
    first = steps(at)["running"]
    wait_until(at, lambda a: steps(a).get("running", 0) > first, f"more steps than {first}")  # between two polls
    busy = [w for w in service().worker_stats() if w.get("running")]
    assert busy and all(w["pid"] != os.getpid() for w in busy)  # not in the page's process
    press(at, "gan_reset")
    assert steps(at) == {"idle": 0}


def test_a_live_view_polls_no_faster_than_its_job_makes_pictures():
    assert live.poll_interval(0.35, 0.25) == 0.35  # pictures come faster than the page polls
    assert live.poll_interval(0.35, 1.0) == 1.0  # a poll between two pictures would redraw the old one
    assert live.poll_interval(0.35, 60.0) == live.MAX_REFRESH_S  # but the step count still moves
    assert live.poll_interval(2.0, 1.0) == 2.0  # a busy server slows every page down


def test_a_live_view_resets_its_timer_when_the_server_gets_busier_or_quieter():
    assert live.needs_new_timer(0.35, 0.7) and live.needs_new_timer(4.0, 1.0)
    assert not live.needs_new_timer(0.35, 0.5) and not live.needs_new_timer(2.0, 1.5)


class LoadChanges:
    """A server whose load changes between the page's run (which sets the live view's timer) and the
    view's own check after drawing: the first asks for 0.35 s, the second for 4 s."""

    def __init__(self):
        self.calls = 0

    def refresh_s(self) -> float:
        self.calls += 1
        return 0.35 if self.calls % 2 else 4.0

    def record(self, seconds: float) -> None:
        pass


def test_a_view_opened_on_a_quiet_server_slows_down_when_the_class_arrives(monkeypatch):
    at = open_page("classification.py")
    press(at, "classify_play")
    monkeypatch.setattr(live, "RENDER", LoadChanges())
    at.run()
    first = at.session_state["_genlab_retimed_classify"]  # the view ran the page again to reset its timer
    at.run()
    assert at.session_state["_genlab_retimed_classify"] == first  # at most once in RETIME_S
    press(at, "classify_play")


def test_the_server_runs_no_full_garbage_collection_after_every_poll():
    """Streamlit's default collects all generations after every script run, each live view's poll
    included: with torch and plotly loaded that was half the server's CPU with six GAN students."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_the_render_meter_paces_polls_to_keep_the_server_near_its_budget(monkeypatch):
    """Busy = the server process's CPU seconds per wall second (every thread: pages, figures, websockets);
    the interval grows in proportion when it passes RENDER_BUDGET, and shrinks back when the class leaves."""
    clock = {"wall": 0.0, "cpu": 0.0}
    monkeypatch.setattr(live.time, "monotonic", lambda: clock["wall"])
    monkeypatch.setattr(live.time, "process_time", lambda: clock["cpu"])
    meter = live.RenderMeter(window=5.0)
    assert meter.busy() == 0.0 and meter.refresh_s() == live.REFRESH_S  # nothing measured yet

    def polls(views: int, every: float, cores: float, until: float) -> None:
        """``views`` live views, each polling every ``every`` s, the server using ``cores``."""
        while clock["wall"] < until - 1e-9:
            for v in range(views):
                clock["wall"] += every / views
                clock["cpu"] += cores * every / views
                meter.record(v)

    polls(1, 0.35, 0.1, until=10)  # one student on a quiet server: as fast as a page polls
    assert abs(meter.busy() - 0.1) < 1e-6 and meter.refresh_s() == live.REFRESH_S
    polls(10, 0.35, 1.0, until=20)  # ten students: one core on pages; each view should poll 2.5x slower
    assert abs(meter.busy() - 1.0) < 1e-6
    assert abs(meter.refresh_s() - 0.35 * 1.0 / live.RENDER_BUDGET) < 1e-6
    polls(30, 0.35, 1.5, until=30)  # thirty at the quick pace: 1.5 cores on pages
    slower = 0.35 * 1.5 / live.RENDER_BUDGET
    assert abs(meter.refresh_s() - slower) < 1e-6
    polls(30, slower, 1.5 * 0.35 / slower, until=45)  # at that pace the server is at its budget: it holds
    assert abs(meter.busy() - live.RENDER_BUDGET) < 1e-6 and abs(meter.refresh_s() - slower) < 1e-6
    polls(30, 0.35, 6.0, until=60)  # dearer pages still: no slower than the slowest pace
    assert meter.refresh_s() == live.MAX_REFRESH_S
    polls(2, 3.0, 0.01, until=75)  # the class has left: back to the quick pace
    assert meter.refresh_s() == live.REFRESH_S
