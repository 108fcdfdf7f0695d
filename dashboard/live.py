"""Jobs on a page: one registry per browser session, the control bar, and the polling fragment.

A page builds its config from its controls, then::

    job = live.ensure_job("classify", cfg_without_lr, lambda: ClassifyTrainer(cfg),
                          live={"lr": cfg.lr}, apply_live=lambda t, lr: t.set_lr(lr))
    live.control_bar(job, "classify")
    live.live_view(job, "classify", draw)   # draw(job) redraws the figures from job.snapshot()

``ensure_job`` keeps the session's job while the settings that need a reset (``reset_key``) are
unchanged, and applies the ``live`` settings between two steps without a reset. When a reset is
needed it stops the old job, starts the new one if the old was running, and says so on the page.
The session's jobs are stopped when the session ends (``st.cache_resource(scope="session")``)
and paused when no page has polled them for ``IDLE_TIMEOUT`` seconds (a closed laptop lid).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

import streamlit as st

from core.errors import GenLabError
from core.jobs import DIVERGED, FAILED, FINISHED, PAUSED, QUEUED, TERMINAL, Job, global_pool, one_line

log = logging.getLogger(__name__)

REFRESH_S = 0.35  # about three refreshes per second while a job runs
IDLE_TIMEOUT = 180.0
_NOTICE = "_genlab_reset_notice"


@dataclass
class _Slot:
    job: Job
    reset_key: Hashable
    live: dict[str, Any] = field(default_factory=dict)


def _release(slots: dict[str, _Slot]) -> None:
    for slot in list(slots.values()):
        slot.job.stop()
    slots.clear()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def session_slots() -> dict[str, _Slot]:
    """This browser session's jobs by name; stopped when the session ends."""
    return {}


def ensure_job(
    name: str,
    reset_key: Hashable,
    make_trainer: Callable[[], Any],
    *,
    live: dict[str, Any] | None = None,
    apply_live: Callable[..., None] | None = None,
    reset_label: str = "Settings changed",
    **job_kw: Any,
) -> Job | None:
    """The session's job ``name`` for these settings (None, with an error shown, if they fail)."""
    slots = session_slots()
    slot = slots.get(name)
    if slot is None or slot.reset_key != reset_key:
        try:
            trainer = make_trainer()
        except Exception as err:  # a student's settings must never show a traceback
            if not isinstance(err, GenLabError):
                log.exception("building the trainer of %s failed", name)
            st.error(f"{one_line(err)} The previous model is kept.", icon=":material/error:")
            return slot.job if slot else None
        old = slot.job if slot else None
        job = Job(trainer, idle_timeout=IDLE_TIMEOUT, name=name, **job_kw)
        slot = slots[name] = _Slot(job, reset_key, dict(live or {}))
        if old is not None:
            was_running = old.active
            old.stop()
            if old.step_count:
                st.session_state[_NOTICE] = f"{reset_label}: the model was reset and starts again from step 0."
            if was_running:
                job.start()
    if live and apply_live and slot.live != live:
        slot.live = dict(live)
        slot.job.call(lambda trainer, values=dict(live): apply_live(trainer, **values))
    return slot.job


def current_job(name: str) -> Job | None:
    """The session's job ``name`` as it is (when the page's settings cannot make a new one)."""
    slot = session_slots().get(name)
    return slot.job if slot else None


def reset_job(name: str) -> None:
    """Forget the session's job ``name``: the next ``ensure_job`` builds a fresh one."""
    slot = session_slots().pop(name, None)
    if slot is not None:
        slot.job.stop()


def _toggle(job: Job) -> None:
    job.pause() if job.active else job.start()


def control_bar(job: Job | None, name: str) -> None:
    """Play/pause, step and reset buttons; the status line lives in the live view."""
    cols = st.columns([1.1, 1, 1, 2.4], vertical_alignment="center")
    if job is None:
        cols[3].caption("Fix the settings above to train.")
        return
    done = job.state in TERMINAL
    label = ":material/pause: Pause" if job.active else ":material/play_arrow: Play"
    cols[0].button(label, key=f"{name}_play", on_click=_toggle, args=(job,), disabled=done, type="primary",
                   width="stretch", help="Train in the background; press again to pause")
    cols[1].button(":material/skip_next: Step", key=f"{name}_step", on_click=job.step_once,
                   disabled=job.active or done, width="stretch", help="One training step")
    cols[2].button(":material/restart_alt: Reset", key=f"{name}_reset", on_click=reset_job, args=(name,),
                   width="stretch", help="New initial weights, same settings and seed")
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        cols[3].info(notice, icon=":material/restart_alt:")


def status_line(job: Job) -> None:
    """What the job is doing, in words a student can read."""
    status = job.status()
    pool = global_pool().stats()
    st.markdown(f"**{status.label()}** &nbsp; <small>server: {pool['running']} of {pool['capacity']} training "
                f"slots busy, {pool['waiting']} waiting</small>", unsafe_allow_html=True)
    if status.state == DIVERGED:
        st.error(status.message, icon=":material/warning:")
    elif status.state == FAILED:
        st.error(status.message, icon=":material/error:")
    elif status.state == FINISHED:
        st.success(status.message or "Finished.", icon=":material/check_circle:")
    elif status.state == QUEUED:
        st.info(f"Waiting for a free slot: this server trains {pool['capacity']} models at once and "
                f"{pool['waiting']} are waiting. Yours starts automatically.", icon=":material/hourglass_top:")
    elif status.state == PAUSED and status.message:
        st.info(status.message, icon=":material/pause_circle:")


def live_view(job: Job | None, name: str, draw: Callable[[Job], None], refresh_s: float = REFRESH_S) -> None:
    """Redraw ``draw(job)`` from the job's latest snapshot, polling only while the job runs."""
    if job is None:
        return
    running = job.active

    @st.fragment(run_every=refresh_s if running else None, key=f"{name}_live")
    def _live() -> None:
        job.touch()
        status_line(job)
        try:
            draw(job)
        except Exception as err:  # a drawing bug shows one line, never a traceback
            log.exception("drawing %s failed", name)
            st.error(f"Could not draw this view: {one_line(err)}", icon=":material/error:")
        if running and not job.active:
            st.rerun()  # the job stopped: refresh the buttons and stop polling

    _live()
