"""A real server and a real browser: ``streamlit run`` on a free port, driven by Playwright + Debian's Chromium.

Chromium comes from Debian (``apt-get install chromium``); Playwright's own browser download is not
used; it runs niced off the server's CPU (``chromium.py``). Both end with the module, so nothing
they started outlives the browser tests. Without /usr/bin/chromium these tests are skipped, except in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
from tests.browser.chromium import CHROMIUM, FLAGS, new_tab, niced_executable

# Below the server (whose workers fill both cores while models train) but not starved: at nice 19 four
# training tabs drew so slowly that their polls stopped and the server paused their jobs as unwatched.
BROWSER_NICE = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    log = open(ROOT / ".pytest_cache" / "streamlit-browser-test.log", "w") if (ROOT / ".pytest_cache").is_dir() \
        else subprocess.DEVNULL
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={k: v for k, v in os.environ.items() if k != "GENLAB_CHECK_FIGURES"},  # the server as deployed
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read().decode().strip() == "ok":
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("streamlit did not start (see .pytest_cache/streamlit-browser-test.log)")
        time.sleep(0.3)
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=niced_executable(BROWSER_NICE), args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    pg = new_tab(browser)
    yield pg
    pg.context.close()
