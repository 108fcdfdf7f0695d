"""The class benchmark's protocol-level student (``bench/st_client.py``) against a real ``streamlit run``.

It must do what a browser does, or the benchmark measures nothing: load a page by its url path, press
Play (a widget trigger), and keep the live view polling through the fragment's auto-rerun timer. Each
client is its own Streamlit session, with its own job.
"""

from __future__ import annotations

import asyncio

import pytest

from bench.bench_class import free_port, start_server, stop_server
from bench.st_client import Student

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    proc = start_server(port, tmp_path_factory.mktemp("st_client") / "streamlit.log")
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


def test_the_home_page_loads_without_errors(server):
    async def visit() -> Student:
        async with Student(server, "", timeout=120) as home:
            return home

    home = asyncio.run(visit())
    assert home.session_id and home.page_script_hash
    assert home.texts and not home.errors
    assert home.statuses == {}  # the lecture map trains nothing


def test_a_student_presses_play_and_the_live_view_keeps_counting(server):
    async def lesson() -> tuple[Student, Student, dict]:
        async with Student(server, "classification", timeout=120) as s, \
                Student(server, "classification", timeout=120) as other:
            assert (s.state, s.step) == ("idle", 0) and not s.errors
            assert not s.auto_reruns  # nothing runs, nothing polls
            await s.press("Play")
            assert s.state == "running" and s.auto_reruns
            first, runs = s.step, s.fragment_runs
            # the status line is drawn only by the live fragment: new steps need its timer's reruns
            await s.wait_for(lambda s: s.fragment_runs >= runs + 2 and s.step > first)
            training = s.training()
            await s.press("Pause")
            return s, other, training

    s, other, training = asyncio.run(lesson())
    assert s.session_id != other.session_id  # two clients, two sessions
    assert training == 1  # one job: the other student pressed nothing
    assert s.state == "paused" and not s.auto_reruns and not s.errors
    assert other.state == "idle" and not other.errors
