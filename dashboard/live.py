"""Jobs on a page: one registry per browser session, the control bar, and the polling fragment.

A page describes its run as data and lets the training service build it in a worker process::

    spec = RunSpec.of(ClassifyTrainer, cfg_without_lr, data)
    job = live.ensure_job("classify", reset_key, spec, live={"lr": lr}, max_steps=30_000)
    live.control_bar(job, "classify")
    live.live_view(job, "classify", draw)   # draw(job) redraws the figures from job.snapshot()

``ensure_job`` keeps the session's job while ``reset_key`` (the settings that need a new model) is
unchanged, and sends the ``live`` settings to the trainer's ``set_live`` without a reset. When a
reset is needed it drops the old job, starts the new one if the old was running, and says so on the
page. Pages read only ``job.snapshot()``, ``job.metrics()``, ``job.last_metrics`` and the status:
never the trainer, which lives in another process.

Fair and bounded: a session trains at most ``SESSION_JOBS`` models at once (starting another pauses
its oldest, with a notice); the worker pauses jobs no page has polled for ``IDLE_TIMEOUT`` seconds;
the live fragment polls only while its job runs, and polls less often when the server spends much of
its time drawing pages. A session's jobs are dropped when the session ends, without waiting.
"""

from __future__ import annotations

import collections
import logging
import math
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

import numpy as np
import pandas as pd
import streamlit as st

from core import checkpoints
from core.errors import GenLabError
from core.runner import DIVERGED, FAILED, FINISHED, PAUSED, TERMINAL, one_line
from core.job import Job
from core.service import RunSpec, service
from dashboard import controls as ui
from dashboard import fastfig
from dashboard import layout
from dashboard.fig_samples import replay_figure

log = logging.getLogger(__name__)

REFRESH_S = 0.35  # about three refreshes per second while a job runs, on a quiet server
MAX_REFRESH_S = 5.0  # a busy server's live views redraw at least this often
RETIME_S = 10.0  # a live view resets its timer (one run of the whole page) at most this often
RENDER_BUDGET = 0.2  # cores the server process (pages, figures, websockets) may use before live views slow down:
# the pace is re-timed only on a change by half or double, so the server settles above it (0.25 cores with 10
# students on the GAN page, 0.30 with 30; at 0.25 it took 0.33 with 10 and the class trained 1.49x one job alone)
IDLE_TIMEOUT = 120.0
SESSION_JOBS = int(os.environ.get("GENLAB_SESSION_JOBS", "2") or 2)
_NOTICE = "_genlab_reset_notice"

__all__ = ["RunSpec", "control_bar", "start_from", "with_start", "ensure_trained_job", "current_job", "ensure_job", "live_view", "reset_job", "status_line", "replay", "training_replay"]


@dataclass
class _Slot:
    job: Job
    reset_key: Hashable
    live: dict[str, Any] = field(default_factory=dict)
    started: float = 0.0  # when Play was last pressed (the oldest is paused first)


def _release(slots: dict[str, _Slot]) -> None:
    for slot in list(slots.values()):
        slot.job.stop()  # fire and forget: the session's end never waits for a worker
    slots.clear()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def session_slots() -> dict[str, _Slot]:
    """This browser session's jobs by name; dropped when the session ends."""
    return {}


def ensure_job(
    name: str,
    reset_key: Hashable,
    spec: RunSpec,
    *,
    live: dict[str, Any] | None = None,
    reset_label: str = "Settings changed",
    **options: Any,
) -> Job | None:
    """The session's job ``name`` for these settings (None, with an error shown, if they fail)."""
    slots = session_slots()
    slot = slots.get(name)
    if slot is None or slot.reset_key != reset_key or slot.job.state == "stopped":
        try:
            job = service().create(spec, name=name, live=dict(live or {}), idle_timeout=IDLE_TIMEOUT, **options)
        except Exception as err:  # a student's settings must never show a traceback
            if not isinstance(err, GenLabError):
                log.exception("building the trainer of %s failed", name)
            st.error(f"{one_line(err)} The previous model is kept.", icon=":material/error:")
            return slot.job if slot else None
        old = slot.job if slot else None
        fresh = _Slot(job, reset_key, dict(live or {}))
        if old is not None:
            old.poll()
            if old.active:  # the new model takes the old one's place in the session's share, running
                job.start()
                fresh.started = time.monotonic()
        slot = slots[name] = fresh
        if old is not None:
            old.stop()
            if old.step_count:
                st.session_state[_NOTICE] = f"{reset_label}: the model was reset and starts again from step 0."
    elif live and slot.live != live:
        slot.live = dict(live)
        slot.job.set_live(**live)
    else:
        slot.job.poll()  # the buttons show the state as it is now
    return slot.job


START = ("trained", "scratch")  # the words are the URL's values too: a lecturer types start=scratch


_START_NOTE = "_genlab_start_note"  # the place under the choice where ensure_trained_job says why it starts from scratch


def start_from(what: str = "the model") -> str:
    """The sidebar choice (URL key ``start``) between the shipped trained model and random weights; under it,
    :func:`ensure_trained_job` says when the trained model does not fit the settings."""
    chosen = ui.select(f"Start {what} from", "start", START, "trained",
                       help="**trained**: a model trained for the default settings (assets/checkpoints), so the "
                            "page shows a good model at once and trains on from there; **scratch**: random "
                            "weights, to watch it learn. In a link: start=scratch.")
    st.session_state[_START_NOTE] = st.empty()
    return chosen


def with_start(spec: RunSpec, model: str, cfg: Any, start: str) -> tuple[RunSpec, str | None]:
    """The run to build: from ``model``'s shipped checkpoint when asked and it fits ``cfg``; else from
    scratch, with the reason in one line."""
    if start != "trained":
        return spec, None
    why = checkpoints.settings_fit(model, cfg)
    if why:
        return spec, f"Starting from random weights: the trained model does not fit these settings ({why})."
    return RunSpec.of(checkpoints.build_trained, spec.build_fn, model, *spec.args, **spec.kwargs), None


def ensure_trained_job(name: str, reset_key: Hashable, spec: RunSpec, *, model: str, cfg: Any, start: str,
                       **kwargs: Any) -> Job | None:
    """:func:`ensure_job` for a run that may start from ``model``'s shipped checkpoint (see
    :func:`with_start`); says in a caption why it starts from random weights when the checkpoint does
    not fit ``cfg``: under the sidebar's choice (:func:`start_from`, drawn in this run), not above the
    live figures (on the projector the line pushed them down)."""
    spec, scratch_why = with_start(spec, model, cfg, start)
    job = ensure_job(name, reset_key, spec, **kwargs)
    place = st.session_state.pop(_START_NOTE, None) or st
    if job is not None and scratch_why:
        place.caption(scratch_why)
    return job


def current_job(name: str) -> Job | None:
    """The session's job ``name`` as it is (when the page's settings cannot make a new one)."""
    slot = session_slots().get(name)
    return slot.job if slot else None


def reset_job(name: str) -> None:
    """Forget the session's job ``name``: the next ``ensure_job`` builds a fresh one."""
    slot = session_slots().pop(name, None)
    if slot is not None:
        slot.job.stop()


def _start(name: str) -> None:
    """Play, within the session's share: the oldest of its other running jobs pauses if needed."""
    slots = session_slots()
    slot = slots.get(name)
    if slot is None:
        return
    others = sorted((s for n, s in slots.items() if n != name and s.job.active), key=lambda s: s.started)
    while len(others) >= SESSION_JOBS:
        oldest = others.pop(0)
        oldest.job.pause()
        st.session_state[_NOTICE] = (f"Paused “{oldest.job.name}”: each student trains at most {SESSION_JOBS} "
                                     "models at once, so that the whole class gets its share of the server.")
    slot.started = time.monotonic()
    slot.job.start()


def _toggle(name: str) -> None:
    slot = session_slots().get(name)
    if slot is None:
        return
    if slot.job.active:
        slot.job.pause()
    else:
        _start(name)


Keep = bool | Callable[[Job], dict]


def control_bar(job: Job | None, name: str, *, weights: bool = False, narrow: bool = False, keep: Keep = True) -> None:
    """Play/pause, step and reset buttons, and the exports; the status line lives in the live view.

    ``narrow``: for a bar in half the page's width (two models side by side): the four buttons share the
    whole row, so their words stay readable, and a notice goes under them. ``keep``: whether the page draws
    this job's curves with the kept run (:func:`kept`) under them, so that "Keep this run's curves" is
    offered; True keeps the metric history, a function ``keep(job)`` what the page's curves are drawn from
    (when they come from the snapshot); False offers no Keep (a page without curves)."""
    if narrow:
        cols = st.columns([1.45, 0.95, 1.05, 1.25], vertical_alignment="center", gap="small")
        cols.append(st.container())
    else:
        cols = st.columns([1.1, 1, 1, 1.1, 1.9], vertical_alignment="center")
    if job is None:
        cols[4].caption("Fix the settings above to train.")
        return
    done = job.state in TERMINAL
    label = ":material/pause: Pause" if job.active else ":material/play_arrow: Play"
    cols[0].button(label, key=f"{name}_play", on_click=_toggle, args=(name,), disabled=done, type="primary",
                   width="stretch", help="Train in the background; press again to pause")
    icon = (lambda symbol: "") if narrow else (lambda symbol: f":material/{symbol}: ")  # narrow: words only
    cols[1].button(f"{icon('skip_next')}Step", key=f"{name}_step", on_click=job.step_once,
                   disabled=job.active or done, width="stretch", help="One training step")
    cols[2].button(f"{icon('restart_alt')}Reset", key=f"{name}_reset", on_click=reset_job, args=(name,),
                   width="stretch", help="New initial weights, same settings and seed")
    with cols[3].popover(f"{icon('save')}Save", width="stretch", help="Compare runs, take a run away"):
        exports(job, name, weights=weights, keep=keep)
    notice = st.session_state.pop(_NOTICE, None)
    if notice and layout.presenting():  # on the projector, a box in the row would push the figures down
        st.toast(notice, icon=":material/restart_alt:", duration="long")
    elif notice:
        cols[4].info(notice, icon=":material/restart_alt:")


def _copy(value: Any) -> Any:
    """A kept run's data, detached from the job's (nested dicts of arrays)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return np.asarray(value).copy()


def _keep(job: Job, name: str, keep: Keep = True) -> None:
    st.session_state[f"_genlab_kept_{name}"] = _copy(keep(job) if callable(keep) else job.metrics())


def _forget(name: str) -> None:
    st.session_state.pop(f"_genlab_kept_{name}", None)


def kept(name: str) -> dict[str, Any] | None:
    """The metric history (or what the control bar's ``keep`` returned) pinned by "Keep this run's curves",
    for the page to draw faded under the live curves; None if no run is kept."""
    return st.session_state.get(f"_genlab_kept_{name}")


def _replay_button(job: Job | None, name: str, label: str, help: str, fetch: Callable[[Job], Any],
                   figure: Callable[[Any], Any], chart_key: str) -> None:
    """A button that fetches ``fetch(job)`` from the worker once, and the animated ``figure`` of it,
    held until pressed again (the animation runs in the browser). Nothing is shown without a job."""
    if job is None:
        return
    held_key = f"_genlab_{chart_key}"
    left, right = st.columns([1, 3], vertical_alignment="center")
    if left.button(label, key=chart_key, width="stretch", help=help):
        got = fetch(job)
        if got is None:
            right.warning("Nothing to replay yet, or the server did not answer in time: press again.",
                          icon=":material/hourglass:")
        else:
            st.session_state[held_key] = (job.step_count, got)
    held = st.session_state.get(held_key)
    if held is not None:
        step, got = held
        right.caption(f"The model at step {step:,}. Press ▶ under the picture, or drag the slider.")
        try:
            layout.chart(figure(got), f"{chart_key}_fig")
        except fastfig.FigureCheckError:  # the tests' check of a figure (dashboard/fastfig.py): fail the test
            raise
        except Exception as err:  # a replay that no longer fits the page's settings
            log.exception("drawing the replay %s failed", chart_key)
            right.warning(f"This replay cannot be drawn: {one_line(err)}", icon=":material/error:")


def replay(job: Job | None, name: str, title: str = "Sampling, replayed from noise to data") -> None:
    """A Replay button: the worker computes the sampler's whole trajectory once (500 particles), and the
    figure animates it in the browser (a Play button and a time scrubber), costing the server nothing more."""
    _replay_button(job, name, ":material/movie: Replay sampling",
                   "Run the sampler once more, keeping every step, and scrub it from noise to data",
                   lambda j: j.query("trajectory"), lambda t: replay_figure(t, title), f"{name}_replay")


def training_replay(job: Job | None, name: str, figure: Callable[[dict], Any]) -> None:
    """A *Replay training* button: the frames the worker kept while the model trained (the job's ``film``
    option; ``core/film.py``), animated by ``figure(film)`` from the first step to now."""
    _replay_button(job, name, ":material/history: Replay training",
                   "Watch the whole training again, from the first step to now, and scrub through it",
                   lambda j: j.film(), figure, f"{name}_film")


def csv_of(columns: dict[str, np.ndarray]) -> bytes:
    """Columns of equal length as CSV (a 2D array becomes x1, x2, ...)."""
    flat: dict[str, np.ndarray] = {}
    for key, values in columns.items():
        values = np.asarray(values)
        if values.ndim == 2:
            flat.update({f"{key}{i + 1}" if key else f"x{i + 1}": values[:, i] for i in range(values.shape[1])})
        else:
            flat[key] = values
    return pd.DataFrame(flat).to_csv(index=False).encode()


SAMPLE_KEYS = ("samples", "fake")  # where a snapshot keeps the model's samples


def _sample_key(snap: dict[str, Any]) -> str | None:
    return next((k for k in SAMPLE_KEYS if isinstance(snap.get(k), np.ndarray) and snap[k].ndim == 2), None)


def _samples(job: Job) -> bytes:
    snap = job.snapshot()
    samples = snap.get(_sample_key(snap) or "", np.zeros((0, 2)))
    return csv_of({"": samples})


def exports(job: Job, name: str, *, weights: bool = False, keep: Keep = True) -> None:
    """A/B and downloads (made only when clicked): keep this run's curves as a reference (where the page
    draws curves: ``keep``, see :func:`control_bar`); the metric history, the samples, the weights."""
    if keep and kept(name) is None:
        st.button("Keep this run's curves", key=f"{name}_keep", on_click=_keep, args=(job, name, keep),
                  width="stretch", help="Pin the current curves, faded, under the next run's: compare settings "
                                        "on the same axes")
    elif keep:
        st.button("Forget the kept run", key=f"{name}_forget", on_click=_forget, args=(name,), width="stretch")
    st.download_button("Metric history (CSV)", data=lambda: csv_of(job.metrics()), file_name=f"genlab-{name}-metrics.csv",
                       mime="text/csv", on_click="ignore", key=f"{name}_dl_metrics", width="stretch")
    if _sample_key(job.snapshot()):
        st.download_button("Samples (CSV)", data=lambda: _samples(job), file_name=f"genlab-{name}-samples.csv",
                           mime="text/csv", on_click="ignore", key=f"{name}_dl_samples", width="stretch")
    if weights:
        st.download_button("Weights (.pt, plain tensors)", data=lambda: job.weights() or b"",
                           file_name=f"genlab-{name}.pt", on_click="ignore", key=f"{name}_dl_weights",
                           width="stretch", help="Load with torch.load(path, weights_only=True)")
    st.caption("Each figure: the camera icon above it saves a PNG.")


def status_line(job: Job) -> Any:
    """What the job is doing, in words a student can read, and how busy the server is; why it diverged or
    failed. Returns the status, for :func:`end_notice` under the figures."""
    status = job.status()
    stats = service().stats()
    per_worker = stats["running"] / max(1, stats["workers"])
    # plain Markdown (``:small[...]``), not HTML: a Markdown element with HTML waits in the browser for the
    # chunk that parses HTML (rehype-raw, 190 kB) before it is drawn, 0.4-0.8 s of a fresh page's load
    st.markdown(f"**{status.label()}** &nbsp; :small[server: {stats['running']} models training on "
                f"{stats['workers']} cores ({per_worker:.1f} per core)]")
    if status.state == DIVERGED:
        st.error(status.message, icon=":material/warning:")
    elif status.state == FAILED:
        st.error(status.message, icon=":material/error:")
    return status


def end_notice(status: Any) -> None:
    """Why a run finished or paused, under its figures: they stay where they were, on the first screen."""
    if status.state == FINISHED:
        st.success(status.message or "Finished.", icon=":material/check_circle:")
    elif status.state == PAUSED and status.message:
        st.info(status.message, icon=":material/pause_circle:")


# --------------------------------------------------------------------------- how often to redraw


class RenderMeter:
    """How busy this server process is lately and how often its live views poll, to pace them: its CPU
    time (every thread: each session's page runs, serialising figures, the websockets) over the last
    ``window`` seconds, read at each live view's poll. When it passes RENDER_BUDGET cores, the views'
    interval grows in proportion (and shrinks again, down to REFRESH_S, when the class leaves), so the
    server's pages take about that share and the rest of the cores train."""

    def __init__(self, window: float = 5.0):
        self.window = window
        self._marks: collections.deque[tuple[float, float, Hashable]] = collections.deque()  # wall, CPU, view
        self._lock = threading.Lock()

    def record(self, view: Hashable = None) -> None:
        """Note a live view's poll (``view``: which view of which session)."""
        now, cpu = time.monotonic(), time.process_time()
        with self._lock:
            self._marks.append((now, cpu, view))
            while len(self._marks) > 2 and self._marks[0][0] < now - self.window:
                self._marks.popleft()

    def _read(self) -> tuple[float, float] | None:
        """(cores used, mean seconds between two polls of one view) over the window, or None."""
        with self._lock:
            if len(self._marks) < 2:
                return None
            (t0, c0, _), (t1, c1, _) = self._marks[0], self._marks[-1]
            polls, views = len(self._marks) - 1, len({m[2] for m in self._marks})
        if t1 <= t0:
            return None
        return (c1 - c0) / (t1 - t0), views * (t1 - t0) / polls

    def busy(self) -> float:
        read = self._read()
        return read[0] if read else 0.0

    def refresh_s(self) -> float:
        """The interval that brings the server back to RENDER_BUDGET cores at today's cost per poll."""
        read = self._read()
        if read is None:
            return REFRESH_S
        busy, interval = read
        return min(MAX_REFRESH_S, max(REFRESH_S, interval * busy / RENDER_BUDGET))


RENDER = RenderMeter()


def poll_interval(refresh_s: float, snapshot_wait: float) -> float:
    """Seconds between two polls of a live view: no faster than the worker makes new pictures (a poll
    without one would redraw every figure for a new step count only), no slower than MAX_REFRESH_S."""
    return max(refresh_s, min(MAX_REFRESH_S, snapshot_wait))


def needs_new_timer(current: float, wanted: float) -> bool:
    """Whether a live view polling every ``current`` seconds should reset its timer to ``wanted``: the
    timer (``st.fragment(run_every=...)``) is set when the whole page runs, so a view opened on a quiet
    server would otherwise keep its pace when the class arrives. Only a change by half or double counts."""
    return wanted >= 2.0 * current or wanted <= 0.5 * current


def _retime(name: str, current: float, wanted: float) -> None:
    """Run the whole page once (which sets the fragment's new timer) if the pace should change, at most
    once in RETIME_S per view."""
    key, now = f"_genlab_retimed_{name}", time.monotonic()
    if needs_new_timer(current, wanted) and now - st.session_state.get(key, -math.inf) >= RETIME_S:
        st.session_state[key] = now
        st.rerun()


def _pace(job: Job) -> float:
    """The interval a live view of ``job`` should poll at now: the server's load and the job's picture rate."""
    return poll_interval(RENDER.refresh_s(), job.timing.get("snapshot_wait", 0.0))


def live_view(job: Job | None, name: str, draw: Callable[[Job], None], refresh_s: float | None = None) -> None:
    """Poll the job and redraw ``draw(job)`` from its latest snapshot, only while the job runs; the pace
    follows the server's load (``RENDER``) and the job's picture rate, also after the page loaded."""
    if job is None:
        return
    running = job.active
    interval = poll_interval(refresh_s, job.timing.get("snapshot_wait", 0.0)) if refresh_s else _pace(job)
    first = [True]  # the page's own run has just polled; the fragment's reruns poll for themselves
    view = id(job)  # one session's job: the meter counts the views that poll

    @st.fragment(run_every=interval if running else None, key=f"{name}_live")
    def _live() -> None:
        if not first[0]:
            job.poll()
        first[0] = False
        status = status_line(job)
        try:
            draw(job)
        except fastfig.FigureCheckError:  # the tests' check of a figure (dashboard/fastfig.py): fail the test
            raise
        except Exception as err:  # a drawing bug shows one line, never a traceback
            log.exception("drawing %s failed", name)
            st.error(f"Could not draw this view: {one_line(err)}", icon=":material/error:")
        end_notice(status)
        RENDER.record(view)
        if running and not job.active:
            st.rerun()  # the job stopped: refresh the buttons and stop polling
        if running and refresh_s is None:
            _retime(name, interval, _pace(job))

    _live()
