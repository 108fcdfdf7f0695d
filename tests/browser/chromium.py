"""Debian's Chromium for the browser tests and the class benchmark, started niced off the server's CPU.

Chromium starts in a session of its own, and Linux (with ``kernel.sched_autogroup_enabled``, as here)
shares the CPU fairly between sessions: an ordinary ``nice`` only orders processes inside one session,
so four niced tabs still took half the machine from the server's training workers (measured: the
workers waited 92% of the time). The wrapper sets the nice value of Chromium's whole session group
(``/proc/self/autogroup``) as well as its own, so the browsers get what the server leaves, as they
would on the students' own machines.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CHROMIUM = os.environ.get("GENLAB_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def niced_executable(nice: int = 19) -> str:
    """An executable that starts Chromium at the lowest priority (Playwright launches what it is given)."""
    path = Path(tempfile.gettempdir()) / f"genlab-chromium-nice{nice}-{os.getuid()}"
    path.write_text("#!/bin/sh\n"
                    f"echo {nice} > /proc/self/autogroup 2>/dev/null\n"
                    f'exec nice -n {nice} "{CHROMIUM}" "$@"\n')
    path.chmod(0o755)
    return str(path)


def new_tab(browser, timeout_ms: int = 90_000):
    """A new browser context (a new Streamlit session) at projector size, with one page.

    Navigation may wait ``timeout_ms``: on a loaded 2-core machine the niced browser is slow to draw.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_navigation_timeout(timeout_ms)
    return context.new_page()
