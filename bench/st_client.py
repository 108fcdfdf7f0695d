"""A student without a browser: one Streamlit session driven over Streamlit's own websocket protocol.

The class benchmark needs thirty students on a 2-core machine that also runs the server. Thirty
Chromium tabs cannot share it (measured: 30 niced tabs never finished, and 10 starved tabs stopped
firing their live views' timers), so this client does, with Streamlit's protobufs, what the browser's
``App``/``WidgetStateManager``/``ForwardMsgCache`` do over ``ws://HOST:PORT/_stcore/stream``:

- connects with the subprotocols the browser offers (``streamlit`` and an auth-token placeholder) and
  the page's Origin, and asks for the page by its url path (``ClientState.page_name``) with the
  query string, as a first page load does; later reruns name the page by the script hash the server
  sent (``NewSession.page_script_hash``);
- reads the ForwardMsgs: ``new_element`` deltas (buttons by label, with their widget ids; markdown
  bodies, where the live view's status line ``running · step 1,234`` is), ``auto_rerun`` and
  ``stop_auto_rerun`` (each live fragment's timer), ``script_finished``;
- presses a button as the browser does: a ``rerun_script`` whose widget states hold the button's
  ``trigger_value`` (the server keeps every other widget's value, which this client never changes);
- fires each fragment's auto-rerun every ``interval`` seconds (``rerun_script`` with ``fragment_id`` and
  ``is_auto_rerun``), as the browser's ``setInterval`` does, but never two runs at once for one
  session: a tick that falls while a run is under way is sent when it ends;
- keeps the browser's message cache: a message the server marks ``cacheable`` is kept, its hash is sent
  with every rerun (``cached_message_hashes``), a ``ref_hash`` message is answered from the cache, and
  entries age out after ``max_cached_message_age`` runs (fragment runs age only their fragment's).

It does not render anything: figures arrive as Plotly JSON and are dropped. The server's work for each
poll (running the fragment, polling the job, building and serialising every figure, sending it) is all
done, so the server's CPU and memory are what a class of browsers would cost it. What it leaves out:
the page's HTML, JavaScript and fonts and the ``/_stcore/health`` and ``/_stcore/host-config`` requests
a browser makes before it connects (static files, once per student); the values of widgets it never
touched (a browser sends them with each rerun; the server keeps the same values when they are absent);
and the browser's overlapping timer ticks, which the server would fold into the run under way.

    async with Student("http://127.0.0.1:8501", "gan") as s:
        await s.press("Play")
        await s.wait_for(lambda s: s.step > 100)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import re
import sys
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

STATUS = re.compile(r"(idle|running|paused|finished|diverged|failed) · step ([\d,]+)")
TRAINING = re.compile(r"server: (\d+) models training")
EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


@dataclass
class _Cached:
    data: bytes  # the message as the server sent it
    run: int  # the run count when it was last used
    fragment_id: str


@dataclass
class _Timer:
    interval: float
    due: float


class Student:
    """One browser tab's worth of Streamlit session, without the browser.

    ``step``/``state``: the first status line on the page, as the server last sent it (``-1``/``""``
    before the first); ``statuses``: every status line by its delta path; ``texts``: markdown, alerts
    and exceptions by delta path; ``buttons``: (label, widget id) by delta path. A full run drops what
    it did not draw again, as the browser does when the run ends.
    """

    def __init__(self, base_url: str, page: str = "", query: str = "", timeout: float = 120.0):
        parts = urlsplit(base_url)
        self.base_url, self.page, self.query, self.timeout = base_url.rstrip("/"), page.strip("/"), query, timeout
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.ws_url = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        self.session_id = ""
        self.page_script_hash = ""
        self.statuses: dict[tuple[int, ...], tuple[str, int]] = {}
        self.texts: dict[tuple[int, ...], str] = {}  # markdown, captions, alerts and exceptions by path
        self.buttons: dict[tuple[int, ...], tuple[str, str]] = {}
        self._drawn: set[tuple[int, ...]] = set()  # the paths the current full run has drawn
        self.errors: list[str] = []
        self.runs = self.fragment_runs = self.cache_hits = 0
        self.updates = 0  # status lines received: one per redraw of the live view
        self.received_bytes = 0
        self._ws = None
        self._cache: dict[str, _Cached] = {}
        self._run_count = 0
        self._max_age = 2
        self._timers: dict[str, _Timer] = {}
        self._idle = asyncio.Event()
        self._changed = asyncio.Event()  # something arrived: wait_for and the timer look again
        self._tasks: list[asyncio.Task] = []

    # ----------------------------------------------------------------------------- what the page shows

    @property
    def step(self) -> int:
        return self.statuses[min(self.statuses)][1] if self.statuses else -1

    @property
    def state(self) -> str:
        return self.statuses[min(self.statuses)][0] if self.statuses else ""

    @property
    def auto_reruns(self) -> dict[str, float]:
        """The live fragments' timers the server asked for: fragment id -> interval in seconds."""
        return {fragment_id: timer.interval for fragment_id, timer in self._timers.items()}

    def training(self) -> int:
        """The server's own count of models training, from the page's status line (-1 if not shown)."""
        for text in self.texts.values():
            found = TRAINING.search(text)
            if found:
                return int(found.group(1))
        return -1

    # ----------------------------------------------------------------------------- session

    async def __aenter__(self) -> "Student":
        await self.open()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def open(self) -> None:
        """Connect and run the page (as a first page load does); returns when its first run ended."""
        self._ws = await connect(self.ws_url, origin=self.origin, subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],
                                 max_size=None, open_timeout=self.timeout, ping_interval=None)
        self._tasks = [asyncio.create_task(self._read()), asyncio.create_task(self._tick())]
        await self._rerun()
        await self.wait_idle()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self._tasks = []
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    async def press(self, label: str) -> None:
        """Press the first button whose label ends with ``label`` (icons come first, e.g.
        ``:material/play_arrow: Play``), and wait until the run it starts has ended."""
        widget_id = self.button_id(label)
        await self.wait_idle()
        await self._rerun(trigger=widget_id)
        await self.wait_idle()

    async def wait_idle(self, timeout: float | None = None) -> None:
        """Until no run of this session is under way (the timer task may take an ended run's turn first:
        then wait for its run too, so that two runs of one session are never under way together)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)  # may be math.inf
        while not self._idle.is_set():
            left = deadline - time.monotonic()
            await asyncio.wait_for(self._idle.wait(), None if math.isinf(left) else max(0.0, left))

    def button_id(self, label: str) -> str:
        for _, (text, widget_id) in sorted(self.buttons.items()):
            if text == label or text.endswith(" " + label):
                return widget_id
        raise LookupError(f"no button {label!r} on the page (buttons: {[t for t, _ in self.buttons.values()]})")

    async def wait_for(self, condition: Callable[["Student"], bool], timeout: float | None = None) -> None:
        """Wait until ``condition(self)`` holds, looking again at every message the server sends."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not condition(self):
            self._changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"{self.page}: condition not met (state {self.state!r}, step {self.step}, "
                                   f"errors {self.errors[-1:]})")
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except asyncio.TimeoutError:
                pass
            if self._tasks and self._tasks[0].done():
                self._tasks[0].result()  # the connection failed: say why
                raise ConnectionError(f"{self.page}: the server closed the session")

    # ----------------------------------------------------------------------------- what the browser sends

    async def _rerun(self, trigger: str | None = None, fragment_id: str = "") -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        if self.page_script_hash:
            state.page_script_hash = self.page_script_hash
        else:
            state.page_name = self.page  # a first load names the page by its url path
        if trigger:
            widget = WidgetState(id=trigger, trigger_value=True)
            state.widget_states.widgets.append(widget)
        else:
            state.widget_states.SetInParent()
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = True
        state.cached_message_hashes.extend(self._cache)
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"
        info.url = f"{self.base_url}/{self.page}" + (f"?{self.query}" if self.query else "")
        info.is_embedded, info.color_scheme = False, "light"
        self._idle.clear()
        await self._ws.send(msg.SerializeToString())

    async def _tick(self) -> None:
        """The live fragments' timers: each fires every ``interval`` s, one run at a time per session."""
        while True:
            await self.wait_idle(timeout=math.inf)
            if not self._timers:
                self._changed.clear()
                await self._changed.wait()
                continue
            fragment_id, timer = min(self._timers.items(), key=lambda kv: kv[1].due)
            now = time.monotonic()
            if timer.due > now:
                self._changed.clear()
                try:
                    await asyncio.wait_for(self._changed.wait(), timer.due - now)
                except asyncio.TimeoutError:
                    pass
                continue  # look again: the timers or the session's state may have changed
            timer.due = max(timer.due + timer.interval, now)  # setInterval's beat; a late tick is not doubled
            await self._rerun(fragment_id=fragment_id)

    # ----------------------------------------------------------------------------- what the server sends

    async def _read(self) -> None:
        async for data in self._ws:
            self.received_bytes += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            msg = self._through_cache(msg, data)
            self._handle(msg)
            self._changed.set()

    def _through_cache(self, msg: ForwardMsg, data: bytes) -> ForwardMsg:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            entry = self._cache.get(msg.ref_hash)
            if entry is None:
                raise RuntimeError(f"cached ForwardMsg miss: {msg.ref_hash}")
            entry.run = self._run_count
            self.cache_hits += 1
            full = ForwardMsg()
            full.ParseFromString(entry.data)
            full.metadata.CopyFrom(msg.metadata)
            return full
        if msg.metadata.cacheable and msg.hash and msg.hash not in self._cache:
            self._cache[msg.hash] = _Cached(data, self._run_count, msg.delta.fragment_id)
        elif msg.metadata.cacheable and msg.hash:
            self._cache[msg.hash].run = self._run_count
        return msg

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            new = msg.new_session
            if new.initialize.session_id:
                self.session_id = new.initialize.session_id
            self.page_script_hash = new.page_script_hash or self.page_script_hash
            self._max_age = new.config.max_cached_message_age or self._max_age
            if not msg.metadata.run.fragment_ids:
                self._timers.clear()  # a full run: the browser drops every timer, the run sets them again
                self._drawn = set()
        elif kind == "navigation":
            self.page_script_hash = msg.navigation.page_script_hash or self.page_script_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(tuple(msg.metadata.delta_path), msg.delta.new_element)
        elif kind == "auto_rerun":
            rerun = msg.auto_rerun
            timer = self._timers.get(rerun.fragment_id)
            if timer is None or timer.interval != rerun.interval:
                self._timers[rerun.fragment_id] = _Timer(rerun.interval, time.monotonic() + rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self._timers.pop(fragment_id, None)
        elif kind == "page_not_found":
            self.errors.append(f"page not found: {msg.page_not_found.page_name}")
        elif kind == "script_finished":
            if msg.script_finished != EARLY:
                fragments = list(msg.metadata.run.fragment_ids)
                self.runs += 1
                self.fragment_runs += bool(fragments)
                self._age_cache(fragments)
                if not fragments:
                    self._drop_stale()
                self._idle.set()

    def _element(self, path: tuple[int, ...], element) -> None:
        self._drawn.add(path)
        kind = element.WhichOneof("type")
        text = ""
        if kind == "markdown":
            text = element.markdown.body
        elif kind == "alert":
            text = element.alert.body
        elif kind == "exception":
            text = f"{element.exception.type}: {element.exception.message}"
            self.errors.append(text)
        if kind == "button":
            self.buttons[path] = (element.button.label, element.button.id)
        else:
            self.buttons.pop(path, None)
        if text:
            self.texts[path] = text
        else:
            self.texts.pop(path, None)
        found = STATUS.search(text)
        if found:
            self.statuses[path] = (found.group(1), int(found.group(2).replace(",", "")))
            self.updates += 1
        else:
            self.statuses.pop(path, None)

    def _drop_stale(self) -> None:
        """The end of a full run: what it did not draw is gone from the page (fragment runs redraw only
        their own elements and leave the rest)."""
        for store in (self.statuses, self.texts, self.buttons):
            for path in [p for p in store if p not in self._drawn]:
                del store[path]

    def _age_cache(self, fragment_ids: list[str]) -> None:
        """The browser's ``ForwardMsgCache.incrementRunCount``: a full run ages every entry, a fragment
        run only its fragments' entries; entries older than the server's ``maxCachedMessageAge`` go."""
        self._run_count += 1
        for key, entry in list(self._cache.items()):
            if fragment_ids and entry.fragment_id not in fragment_ids:
                continue
            if self._run_count - entry.run > self._max_age:
                del self._cache[key]


# --------------------------------------------------------------------------- a crowd in one process


async def _loop_lag(samples: list[float], period: float = 0.1) -> None:
    """How late this process's event loop wakes up: if the crowd gets too little CPU, its timers and
    reads fall behind, and this says by how much."""
    while True:
        t0 = time.monotonic()
        await asyncio.sleep(period)
        samples.append(time.monotonic() - t0 - period)


def _report(**fields) -> None:
    print(json.dumps(fields), flush=True)


async def crowd(base_url: str, page: str, n: int, query: str = "", press: str = "Play", batch: int = 5) -> None:
    """``n`` students open ``page`` (``batch`` at a time, as a class trickles in) and press ``press``;
    then this answers commands read from stdin, one JSON line each on stdout:

    - ``steps``: ``{"t": monotonic seconds, "steps": [each student's step], "states": [...],
      "updates": [each student's status lines received], "lag_ms": [mean, max event-loop lag since the
      last report], "cpu_s": this process's CPU time}``;
    - ``close`` (or the end of stdin): every student disconnects; ``{"closed": true}``.

    The first line, once all have pressed: ``{"ready": n, "sessions": [session ids], "open_s": seconds}``.
    """
    lags: list[float] = []
    monitor = asyncio.create_task(_loop_lag(lags))
    students: list[Student] = []
    t0 = time.monotonic()

    async def one() -> Student:
        s = Student(base_url, page, query, timeout=600.0)
        students.append(s)
        await s.open()
        await s.press(press)
        return s

    try:
        for start in range(0, n, batch):
            await asyncio.gather(*(one() for _ in range(start, min(n, start + batch))))
        _report(ready=n, sessions=[s.session_id for s in students], open_s=time.monotonic() - t0)
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while True:
            line = (await reader.readline()).decode().strip()
            if line == "steps":
                recent, lags[:] = lags[:], []
                _report(t=time.monotonic(), steps=[s.step for s in students], states=[s.state for s in students],
                        updates=[s.updates for s in students], cpu_s=time.process_time(),
                        lag_ms=[1000 * sum(recent) / max(1, len(recent)), 1000 * max(recent, default=0.0)])
            elif line in ("close", ""):
                break
    finally:
        monitor.cancel()
        await asyncio.gather(*(s.close() for s in students), return_exceptions=True)
        _report(closed=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="N protocol-level students on one page (see the module's docstring)")
    parser.add_argument("url", help="the server, e.g. http://127.0.0.1:8501")
    parser.add_argument("page", help="the page's url path, e.g. gan")
    parser.add_argument("--students", type=int, default=1)
    parser.add_argument("--query", default="", help="the page's query string, without '?'")
    parser.add_argument("--press", default="Play", help="the button each student presses once the page is drawn")
    args = parser.parse_args()
    asyncio.run(crowd(args.url, args.page, args.students, args.query, args.press))


if __name__ == "__main__":
    main()
