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
