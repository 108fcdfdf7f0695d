"""A class on one server: N browser sessions open one page and press Play; what does each student get?

For each page and each class size N, on a fresh ``streamlit run`` of the app:

1. **One job alone**: one session presses Play on an idle server; its steps/s (read from the status
   lines the server sends that page over its websocket, as a student receives them) is the reference.
2. **N students**: N more sessions (separate browser contexts, so separate Streamlit sessions) open
   the page and press Play. After a warm-up, every page's step count is read twice, some seconds
   apart: the aggregate steps/s against the one job alone, and the smallest and median per-student
   steps/s.
3. **A fresh student** opens the page while the N train: seconds until its live view (the status
   line) is drawn.
4. **Memory**: the peak, over the whole run, of the server process plus its worker processes
   (resident set and proportional set size, which counts shared library pages once).
5. **Reclaimed**: the N tabs close; seconds until the workers are idle again (their CPU time stops
   growing) and the server says no model is training.

Caveat, measured here: a live view's timer (``st.fragment(run_every=...)``) runs in the browser, so a
crowd browser that gets no CPU asks for no updates and its student's figures stall. On one 2-core
machine with 10 or more crowd browsers the per-student columns therefore measure the crowd's browsers
as much as the server; ``bench/bench_share.py`` measures the server's shares without browsers.

The crowd's Chromium runs at nice 19 in a session group at nice 19 (``tests/browser/chromium.py``:
a plain nice does not reach across Linux's session groups), so the server's CPU is measured, not the
browsers'. Aims (issue
10): fresh page <= 3 s with 30 students; aggregate >= 1.6x one job on 2 cores; smallest share >=
half the median; <= 1.5 GB; reclaimed <= 30 s.

    python bench/bench_class.py [--pages gan,classification] [--sizes 10,30] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser.chromium import CHROMIUM, FLAGS, niced_executable  # noqa: E402
STEP = re.compile(r"(idle|running|paused|finished|diverged|failed) · step ([\d,]+)")
TRAINING = re.compile(r"server: (\d+) models training")


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"streamlit did not start (see {log})")


def family(pid: int) -> list[int]:
    """The server and every process below it (its workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in open(f"/proc/{p}/task/{task}/children").read().split()]
        except OSError:
            pass
    return out


def memory_mb(pid: int) -> tuple[float, float]:
    """(RSS, PSS) in MB of the server and its workers."""
    rss = pss = 0
    for p in family(pid):
        try:
            for line in open(f"/proc/{p}/smaps_rollup"):
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return rss / 1024, pss / 1024


def cpu_seconds(pids: list[int]) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in pids:
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except OSError:
            pass
    return total


def threads(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


class MemoryPeak(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.rss, self.pss, self.running = pid, 0.0, 0.0, True

    def run(self) -> None:
        while self.running:
            rss, pss = memory_mb(self.pid)
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            time.sleep(0.5)


# --------------------------------------------------------------------------- the browsers


RECEIVED: dict[int, int] = {}  # id(page) -> the last step count its server sent it


def listen(page) -> None:
    """Read each status line the server sends this page off its websocket, as the frames arrive: what a
    student receives, whether or not the niced crowd browser has found the CPU to draw it yet."""
    def on_frame(payload) -> None:
        text = payload.decode("utf-8", "ignore") if isinstance(payload, bytes) else str(payload)
        found = STEP.findall(text)
        if found:
            RECEIVED[id(page)] = int(found[-1][1].replace(",", ""))

    page.on("websocket", lambda ws: ws.on("framereceived", on_frame))


async def open_student(browser, url: str, play: bool = True):
    context = await browser.new_context(viewport={"width": 1280, "height": 720})
    page = await context.new_page()
    listen(page)
    await page.goto(url, timeout=300_000)
    await page.wait_for_function(f"() => /{STEP.pattern}/.test(document.body.innerText)", timeout=300_000)
    if play:
        await page.get_by_role("button", name="Play").first.click(timeout=300_000)
        await page.wait_for_function("() => /running · step/.test(document.body.innerText)", timeout=300_000)
    return page


async def text_of(page) -> str:
    """The page's text without laying it out (``textContent``, not ``innerText``): a crowd browser niced
    to 19 on a busy machine answers in milliseconds instead of seconds."""
    return await page.evaluate("document.body.textContent")


async def rates(pages, seconds: float) -> list[float]:
    """Each page's steps/s over ``seconds``, from the status lines its server sent it."""
    t0 = time.monotonic()
    first = [RECEIVED.get(id(p), -1) for p in pages]
    await asyncio.sleep(seconds)
    later = [RECEIVED.get(id(p), -1) for p in pages]
    dt = time.monotonic() - t0
    return [max(0, b - a) / dt if a >= 0 else 0.0 for a, b in zip(first, later)]


async def training_count(page) -> int:
    match = TRAINING.search(await text_of(page))
    return int(match.group(1)) if match else -1


# --------------------------------------------------------------------------- one measurement


async def measure(pw, page_path: str, n: int, seconds: float, log_dir: Path) -> dict:
    port = free_port()
    server = start_server(port, log_dir / f"bench-class-{page_path}-{n}.log")
    url = f"http://127.0.0.1:{port}/{page_path}"
    peak = MemoryPeak(server.pid)
    peak.start()
    crowd = await pw.chromium.launch(executable_path=niced_executable(), args=FLAGS)
    probe = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    try:
        alone = await open_student(crowd, url)
        await asyncio.sleep(5)
        (one,) = await rates([alone], seconds / 2)
        await alone.context.close()

        pages = []
        for start in range(0, n, 5):  # five at a time, as a class trickles in
            pages += await asyncio.gather(*(open_student(crowd, url) for _ in range(start, min(n, start + 5))))
        await asyncio.sleep(5)
        each = await rates(pages, seconds)

        t0 = time.monotonic()
        fresh = await open_student(probe, url, play=False)
        load_s = time.monotonic() - t0
        training = await training_count(fresh)

        workers = family(server.pid)[1:]
        for p in pages:
            await p.context.close()
        t0 = time.monotonic()
        reclaimed = float("nan")
        while time.monotonic() - t0 < 120:
            c0 = cpu_seconds(workers)
            await asyncio.sleep(1.0)
            await fresh.reload()
            await fresh.wait_for_function(f"() => /{STEP.pattern}/.test(document.body.innerText)", timeout=60_000)
            if cpu_seconds(workers) - c0 < 0.05 and await training_count(fresh) == 0:
                reclaimed = time.monotonic() - t0
                break
        await fresh.context.close()
    finally:
        peak.running = False
        await crowd.close()
        await probe.close()
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    total = sum(each)
    return {"page": page_path, "n": n, "one_alone": one, "aggregate": total, "ratio": total / one if one else 0.0,
            "smallest": min(each), "median": statistics.median(each), "fresh_load_s": load_s,
            "training_seen": training, "peak_rss_mb": peak.rss, "peak_pss_mb": peak.pss,
            "reclaimed_s": reclaimed}


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    log_dir = ROOT / ".pytest_cache"
    log_dir.mkdir(exist_ok=True)
    print(f"{os.cpu_count()} cores; crowd browsers at nice 19; {args.seconds:.0f} s per measurement")
    print(f"{'page':15s} {'N':>3s} {'1 alone':>8s} {'aggregate':>9s} {'ratio':>6s} {'smallest':>8s} {'median':>7s} "
          f"{'min/med':>7s} {'fresh s':>7s} {'RSS MB':>7s} {'PSS MB':>7s} {'reclaim s':>9s}")
    async with async_playwright() as pw:
        for page_path in args.pages.split(","):
            for n in (int(x) for x in args.sizes.split(",")):
                r = await measure(pw, page_path, n, args.seconds, log_dir)
                print(f"{r['page']:15s} {r['n']:3d} {r['one_alone']:8.1f} {r['aggregate']:9.1f} {r['ratio']:6.2f} "
                      f"{r['smallest']:8.1f} {r['median']:7.1f} {r['smallest'] / max(r['median'], 1e-9):7.2f} "
                      f"{r['fresh_load_s']:7.1f} {r['peak_rss_mb']:7.0f} {r['peak_pss_mb']:7.0f} "
                      f"{r['reclaimed_s']:9.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", default="gan,classification")
    parser.add_argument("--sizes", default="10,30")
    parser.add_argument("--seconds", type=float, default=20.0)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
