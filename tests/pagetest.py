"""Helpers for AppTest tests of pages: open a page, press Play, poll, push every widget to its ends.

AppTest does not fire ``st.fragment(run_every=...)``: ``poll(at)`` calls ``at.run()`` again, as the
browser's timer would, and ``wait_until(at, predicate)`` polls until the page shows a state (a step
count, a word in a job's status line) or a deadline passes: no test sleeps for a fixed time and hopes.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.controls import OPTIONS

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # one script run; generous because CI machines are shared and noisy
DEADLINE = 90.0  # waiting for a state the page should reach (only a failing test waits this long)
POLL_S = 0.1  # between two polls: lets the worker train without rerunning the page in a tight loop


def open_page(page: str, query: dict[str, str | list[str]] | None = None) -> AppTest:
    """Run the app's entry, then switch to ``pages/<page>`` with URL parameters ``query``.

    AppTest reuses one session id, so the session-scoped job registry is cleared first (which
    stops the jobs of the previous test, as a session's end would).
    """
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page != "home.py":
        at.switch_page(f"pages/{page}")
        at.run()
    assert_clean(at)
    return at


def assert_clean(at: AppTest) -> None:
    """No exception element and no traceback text anywhere on the page."""
    assert not at.exception, [e.value for e in at.exception]
    for box in list(at.error) + list(at.warning) + list(at.info):
        assert "Traceback" not in str(box.value), box.value


def errors(at: AppTest) -> list[str]:
    return [str(e.value) for e in at.error]


def texts(at: AppTest) -> str:
    """All markdown, captions and alerts of the page as one string, to search in."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [str(e.value) for e in list(at.error) + list(at.warning) + list(at.info) + list(at.success)
              + list(at.toast)]
    return "\n".join(map(str, parts))


def chart_texts(at: AppTest) -> list[str]:
    """The text every Plotly chart of the page draws: its title and its annotations, decoded, as read (a
    line break, ``<br>``, read as a space: empty figures break long messages into lines).

    Read from the figure's structure, not its raw JSON, whose escaping of symbols such as ▶
    (``\\u25b6`` or the character itself) depends on which JSON encoder plotly found.
    """
    out = []
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec).get("layout", {})
        title = layout.get("title", {})
        out += [title.get("text", "")] if isinstance(title, dict) else [str(title)]
        out += [a.get("text", "") for a in layout.get("annotations", [])]
    return [t.replace("<br>", " ") for t in out if t]


def poll(at: AppTest) -> AppTest:
    """One rerun of the page, as the live fragment's timer would do in a browser."""
    at.run()
    assert_clean(at)
    return at


def wait_until(at: AppTest, predicate, what: str = "", timeout: float = DEADLINE) -> AppTest:
    """Poll the page until ``predicate(at)`` holds; fail after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while not predicate(at):
        assert time.monotonic() < end, f"the page did not reach {what or predicate} within {timeout:.0f} s"
        time.sleep(POLL_S)
        poll(at)
    return at


def status_lines(at: AppTest) -> list[str]:
    """The jobs' status lines ('**running · step 1,234 / 30,000 · 310 steps/s** ... server: ...'), in page order."""
    return [str(m.value) for m in at.markdown if "server:" in str(m.value)]


def status(at: AppTest, which: int | str = 0) -> str:
    """One job's status line: the ``which``-th of the page, or the one whose budget reads ``/ which``."""
    lines = status_lines(at)
    if isinstance(which, int):
        assert len(lines) > which, f"no status line {which} on the page: {lines}"
        return lines[which]
    for line in lines:
        if re.search(rf"/ {re.escape(which)}(\*\*| ·)", line):
            return line
    raise AssertionError(f"no status line with budget {which}: {lines}")


def step_of(line: str) -> int:
    """The step count of a status line."""
    match = re.search(r"step ([\d,]+)", line)
    assert match, f"no step count in {line!r}"
    return int(match.group(1).replace(",", ""))


def still_view(at: AppTest) -> str:
    """The page's text without the server's load (other sessions' jobs move it): what a pause freezes."""
    return re.sub(r":small\[server:.*?\]", "", texts(at))


def press(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert_clean(at)
    return at


def _ends(at: AppTest, widget) -> list:
    kind = type(widget).__name__
    raw = at.session_state[OPTIONS].get(widget.key) if OPTIONS in at.session_state else None
    if kind in ("Slider", "NumberInput"):
        return [widget.min, widget.max]
    if kind == "SelectSlider":
        return [widget.options[0], widget.options[-1]]
    if kind in ("Selectbox", "Radio"):
        return list(raw) if raw is not None else list(widget.options)
    if kind == "Multiselect":
        options = list(raw) if raw is not None else list(widget.options)
        return [[], options, options[:1]]
    if kind in ("Checkbox", "Toggle"):
        return [True, False]
    return []


def exercise_extremes(at: AppTest, play_key: str | None = None, skip: tuple[str, ...] = ()) -> list[str]:
    """Set every keyed widget to each of its ends in turn, checking the page each time.

    With ``play_key`` (``<name>_play``), the job trains one step at every end (its ``<name>_step``
    button, or Play until the page has drawn a step where it has none), and at the end it plays
    until the page has drawn a step. Returns the keys exercised, so a test can assert that the
    widgets it cares about were reached.
    """
    step_key = play_key.replace("_play", "_step") if play_key else None
    seen: list[str] = []
    rounds = 0
    while True:
        pending = [w for w in _widgets(at) if w.key and w.key not in seen and w.key not in skip]
        if not pending or rounds > 200:
            break
        widget = pending[0]
        seen.append(widget.key)
        original = widget.value
        for value in _ends(at, widget):
            _set_value(at, widget.key, value)
            at.run()
            assert_clean(at)
            if step_key and _has_button(at, step_key) and not at.button(key=step_key).disabled:
                at.button(key=step_key).click().run()
                assert_clean(at)
            elif play_key and _has_button(at, play_key) and not at.button(key=play_key).disabled:
                _play_briefly(at, play_key)
        _set_value(at, widget.key, original)
        at.run()
        assert_clean(at)
        rounds += 1
    if play_key and _has_button(at, play_key) and not at.button(key=play_key).disabled:
        _play_briefly(at, play_key)
    return seen


def _play_briefly(at: AppTest, play_key: str) -> None:
    """Play, poll until the page has drawn at least one more step (or the job has ended), pause."""
    before = sum(step_of(line) for line in status_lines(at))
    at.button(key=play_key).click().run()
    assert_clean(at)
    wait_until(at, lambda a: sum(step_of(line) for line in status_lines(a)) > before or not _playing(a, play_key),
               f"{play_key}: one more step")
    if _playing(at, play_key):
        at.button(key=play_key).click().run()
        assert_clean(at)


def _playing(at: AppTest, play_key: str) -> bool:
    return _has_button(at, play_key) and "Pause" in at.button(key=play_key).label


def _widgets(at: AppTest) -> list:
    out = []
    for kind in ("slider", "select_slider", "number_input", "selectbox", "radio", "multiselect", "checkbox", "toggle"):
        out.extend(getattr(at, kind))
    return out


def _find(at: AppTest, key: str):
    for w in _widgets(at):
        if w.key == key:
            return w
    return None


def _set_value(at: AppTest, key: str, value) -> None:
    widget = _find(at, key)
    if widget is not None:
        widget.set_value(value)


def _has_button(at: AppTest, key: str) -> bool:
    return any(b.key == key for b in at.button)
