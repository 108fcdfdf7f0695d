"""A class on one server: N students open one page and press Play; what does each student get?

For each page and each class size N, on a fresh ``streamlit run`` of the app:

1. **One job alone**: one student presses Play on an idle server; its steps/s (read from the status
   lines the server sends that student's session, as a student receives them, from the first redraw of
   its status line 2 s after Play to the last one before its step count stops growing or the window ends:
   a fast page's budget can end inside it) is the reference. It is measured before the class arrives and
   again after it has left (step 5), and the reference is their mean: this machine's speed drifts by
   5-10 % within minutes, and by more on some days.
2. **N students**: N more students (five at a time, as a class trickles in; each its own Streamlit
   session) open the page and press Play. After a warm-up, every student's step count is read twice,
   some seconds apart: the aggregate steps/s against the one job alone, and the smallest and median
   per-student steps/s; ``cores srv,wrk,idle``: the cores the server process and its worker processes used
   over that window, and the cores that sat idle (of the machine's two: what the pages' serving takes from
   training); ``alone wrk``: the cores the workers used while the one job was measured alone; ``per CPU``:
   the class's steps per worker CPU-second against the one job's (below 1, a worker's time went further
   alone; the machine's drift between the measurements moves it too). A job whose budget ends inside the
   alone window (the classification page's 20,000 steps take about 10 s) leaves its worker idle for the
   rest of it: ``alone wrk`` then reads below 1 and ``per CPU`` low.
3. **Fresh students** open the page in a real Chromium while the N train, three one after another (each its
   own session; one load's time swings by about a second on this machine): seconds until the live view
   (the status line) is drawn, the median and the slowest (``fresh s``); seconds until its first figure is
   drawn too (``figure s``: after the page's own work, Chromium evaluates Streamlit's 4.7 MB Plotly chunk,
   about 1 s of one core here, and draws the figures, which this Chromium does on the same two cores the N
   students' training fills); and the server's count of models training that the last one's page shows
   (``seen``: about N, one job per student; the count may be a second old, and a job that met its budget
   stops).
4. **Memory**: the peak, over the whole run, of the server process plus its worker processes
   (resident set and proportional set size, which counts shared library pages once).
5. **Reclaimed**: the N students leave; seconds until the workers are idle again (their CPU time stops
   growing) and the server says no model is training.

The crowd (``--crowd``):

- ``protocol`` (the default): the N students are ``bench/st_client.py``'s protocol-level clients, all in
  one process at ``--crowd-nice`` (default 0: it uses about 1 % of a core, and at nice 19 on a saturated
  machine its event loop woke 14-16 s late, so its timers, not the server, set how often it polled). Each speaks Streamlit's websocket protocol as the browser does: loads the
  page, presses Play (a widget trigger), fires its live fragment's ``run_every`` timer (one run at a
  time), keeps the browser's message cache. It renders nothing, but the server's work for every poll
  (running the fragment, polling the job, building and serialising each figure, sending it) is all
  done, so the columns measure the server. It is not a browser: no figure is drawn, no JavaScript
  runs, and a student's page-load time is not measured by it (the fresh student in step 3 is a real
  Chromium for that). The crowd stays in the server's session group, where a plain nice ranks it below
  the server (nice 0) and its workers (nice 5); ``sessions`` counts the distinct session ids the
  server gave it, ``running`` the students whose own status line says their job runs (each session has
  its own job), ``lag ms`` how late its event loop woke (mean, max) and ``crowd CPU`` the share of a
  core it used: if the crowd were starved of CPU its polls would fall behind and the lag would grow.
  ``redraw/s`` (both crowds): the median student's status lines received per second, i.e. how often
  its live view was redrawn. ``bench/bench_crowd_check.py`` runs both kinds on one server at once;
  here (2026-12-01, the machine loaded by other work to a load average of ~22), 2 + 2 students: per
  student GAN 12-20 steps/s (protocol) against 2-23 (Chromium at nice 5), classification 94-330 against
  61-273, no difference beyond the browsers' noise, while the protocol students were redrawn 0.4-1.7
  times a second, as their live views' timers asked, and the browsers only 0.1-0.3.
- ``browser``: N niced Chromium contexts, as before. A live view's timer (``st.fragment(run_every=...)``)
  runs in the browser, so a crowd browser that gets no CPU asks for no updates and its student's figures
  stall; on this 2-core machine 10 browsers starved (per-student rates read 0) and 30 never finished.
  Its Chromium runs at nice 19 in a session group at nice 19 (``tests/browser/chromium.py``). Use it
  with small N to check the protocol crowd against real browsers.

The fresh student's Chromium runs at normal priority in its own session group: what a student's own
browser would see of this server's answer. Aims (issue 10): fresh page <= 3 s with 30 students;
aggregate >= 1.6x one job on 2 cores; smallest share >= half the median; <= 1.5 GB; reclaimed <= 30 s.
``bench/bench_share.py`` measures the training service's shares without any pages.

    python bench/bench_class.py [--pages gan,classification] [--sizes 10,30] [--seconds 20] [--warmup 5]
                                [--crowd protocol|browser] [--port P]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import json
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser.chromium import CHROMIUM, FLAGS, niced_executable  # noqa: E402
ALONE_WARMUP_S = 2.0  # one student alone: seconds after Play before its rate is read
FRESH_STUDENTS = 3  # fresh students who open the page while the class trains (the median and the slowest)
STEP = re.compile(r"(idle|running|paused|finished|diverged|failed) · step ([\d,]+)")
TRAINING = re.compile(r"server: (\d+) models training")
FIGURE = ".js-plotly-plot .main-svg"  # a Plotly figure, drawn


# --------------------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log: Path) -> subprocess.Popen:
    """``streamlit run`` of the app on 127.0.0.1:``port``, once it answers its health check."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError(f"streamlit did not start (see {log})")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


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


def idle_seconds() -> float:
    """Seconds the machine's cores have sat idle since boot (``/proc/stat``: idle and iowait), summed over cores."""
    try:
        fields = open("/proc/stat").readline().split()[1:]
        return (int(fields[3]) + int(fields[4])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def threads(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


class MemoryPeak(threading.Thread):
    """The peak memory of the server and its workers, read every ``every`` seconds: one reading of their
    ``smaps_rollup`` costs about 8 ms of this process's CPU per GB they map, taken from the cores they share."""

    def __init__(self, pid: int, every: float = 2.0):
        super().__init__(daemon=True)
        self.pid, self.every, self.rss, self.pss, self.running = pid, every, 0.0, 0.0, True

    def run(self) -> None:
        while self.running:
            rss, pss = memory_mb(self.pid)
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            time.sleep(self.every)


# --------------------------------------------------------------------------- the crowds


class ProtocolCrowd:
    """N protocol-level students (``bench/st_client.py``) in one process at nice ``nice``."""

    def __init__(self, base_url: str, page_path: str, log: Path, nice: int = 0):
        self.base_url, self.page_path, self.log, self.nice = base_url, page_path, log, nice
        self.proc: asyncio.subprocess.Process | None = None
        self.sessions: list[str] = []
        self.reports: list[dict] = []

    async def open(self, n: int) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            "nice", "-n", str(self.nice), sys.executable, str(ROOT / "bench" / "st_client.py"), self.base_url, self.page_path,
            "--students", str(n), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(self.log, "a"),
            limit=2**24)
        ready = await self._line()
        self.sessions = ready["sessions"]

    async def _line(self) -> dict:
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the protocol crowd ended (see {self.log})")
        return json.loads(line)

    async def steps(self) -> tuple[float, list[int], list[int]]:
        """(time, each student's step, each student's count of status lines received)."""
        self.proc.stdin.write(b"steps\n")
        await self.proc.stdin.drain()
        self.reports.append(report := await self._line())
        return report["t"], report["steps"], report["updates"]

    async def close(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        try:
            self.proc.stdin.write(b"close\n")
            await self.proc.stdin.drain()
            await asyncio.wait_for(self.proc.wait(), 60)
        except (OSError, asyncio.TimeoutError):
            self.proc.kill()
            await self.proc.wait()

    def note(self) -> str:
        """Distinct sessions; students whose own status line says running; the crowd's event-loop lag
        (mean, max) and CPU share over the last window."""
        a, b = self.reports[-2:]
        cpu = (b["cpu_s"] - a["cpu_s"]) / (b["t"] - a["t"])
        running = sum(state == "running" for state in b["states"])
        return f"{len(set(self.sessions)):>8d} {running:>7d} {b['lag_ms'][0]:5.0f},{b['lag_ms'][1]:<5.0f} {cpu:9.3f}"


RECEIVED: dict[int, int] = {}  # id(page) -> the last step count its server sent it
UPDATES: collections.Counter = collections.Counter()  # id(page) -> status lines received


def listen(page) -> None:
    """Read each status line the server sends this page off its websocket, as the frames arrive: what a
    student receives, whether or not the niced crowd browser has found the CPU to draw it yet."""
    def on_frame(payload) -> None:
        text = payload.decode("utf-8", "ignore") if isinstance(payload, bytes) else str(payload)
        found = STEP.findall(text)
        if found:
            RECEIVED[id(page)] = int(found[-1][1].replace(",", ""))
            UPDATES[id(page)] += len(found)

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


class BrowserCrowd:
    """N niced Chromium contexts (one Streamlit session each), read off their websockets."""

    def __init__(self, browser, url: str):
        self.browser, self.url, self.pages = browser, url, []
        self.sessions: list[str] = []  # not known: the browser keeps them

    async def open(self, n: int) -> None:
        for start in range(0, n, 5):  # five at a time, as a class trickles in
            self.pages += await asyncio.gather(*(open_student(self.browser, self.url)
                                                 for _ in range(start, min(n, start + 5))))

    async def steps(self) -> tuple[float, list[int], list[int]]:
        return time.monotonic(), [RECEIVED.get(id(p), -1) for p in self.pages], [UPDATES[id(p)] for p in self.pages]

    async def close(self) -> None:
        for p in self.pages:
            await p.context.close()
        self.pages = []

    def note(self) -> str:
        return f"{'-':>8s} {'-':>7s} {'-':>11s} {'-':>9s}"


async def text_of(page) -> str:
    """The page's text without laying it out (``textContent``, not ``innerText``): a crowd browser niced
    to 19 on a busy machine answers in milliseconds instead of seconds."""
    return await page.evaluate("document.body.textContent")


async def rates(crowd, seconds: float) -> tuple[list[float], list[float]]:
    """Each student's steps/s over ``seconds``, from the status lines the server sent it, and how many
    status lines (redraws of its live view) it received per second."""
    t0, first, seen0 = await crowd.steps()
    await asyncio.sleep(seconds)
    t1, later, seen1 = await crowd.steps()
    steps = [max(0, b - a) / (t1 - t0) if a >= 0 else 0.0 for a, b in zip(first, later)]
    return steps, [(b - a) / (t1 - t0) for a, b in zip(seen0, seen1)]


async def alone_rate(crowd, seconds: float, every: float = 0.5, stalled_s: float = 2.0) -> float:
    """One student's steps/s over at most ``seconds``: its step count read every ``every`` s, the rate from
    the first reading at which it grew to the last one (it stops growing for ``stalled_s``, or for twice the
    longest gap between two growths: the end). A page whose step budget ends inside the window (the
    classifier alone makes its 20,000 steps in about 7 s) is measured over the part that trained, not diluted
    by the finished tail; a page whose status line is redrawn only with each new picture (the score page's,
    every 4 s or so) is measured from one redraw to another, not taken for finished between them."""
    t0, (last,), _ = await crowd.steps()
    grew: list[tuple[float, int]] = []  # (time, step) of each reading at which the count grew
    end = t0 + seconds
    while time.monotonic() < end:
        await asyncio.sleep(every)
        t, (step,), _ = await crowd.steps()
        if step > last:
            grew.append((t, step))
            last = step
        elif len(grew) >= 2 and t - grew[-1][0] > max(
                stalled_s, 2 * max(b[0] - a[0] for a, b in zip(grew, grew[1:]))):
            break
    if len(grew) < 2:
        return 0.0
    (t_a, s_a), (t_b, s_b) = grew[0], grew[-1]
    return (s_b - s_a) / (t_b - t_a)


async def training_count(page) -> int:
    match = TRAINING.search(await text_of(page))
    return int(match.group(1)) if match else -1


# --------------------------------------------------------------------------- one measurement


async def measure(pw, page_path: str, n: int, seconds: float, log_dir: Path, crowd_kind: str = "protocol",
                  port: int = 0, crowd_nice: int = 0, warmup: float = 5.0) -> dict:
    port = port or free_port()
    log = log_dir / f"bench-class-{page_path}-{n}.log"
    server = start_server(port, log)
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/{page_path}"
    peak = MemoryPeak(server.pid)
    peak.start()
    crowd_browser = await pw.chromium.launch(executable_path=niced_executable(), args=FLAGS) \
        if crowd_kind == "browser" else None
    probe = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)

    def new_crowd():
        if crowd_browser is None:
            return ProtocolCrowd(base, page_path, log_dir / f"bench-class-{page_path}-{n}-crowd.log", crowd_nice)
        return BrowserCrowd(crowd_browser, url)

    crowds = []

    async def one_alone() -> tuple[float, float]:
        """The one job's steps/s, and the cores its workers used meanwhile."""
        crowds.append(alone := new_crowd())
        await alone.open(1)
        await asyncio.sleep(ALONE_WARMUP_S)
        pids = family(server.pid)[1:]
        t0, c0 = time.monotonic(), cpu_seconds(pids)
        rate = await alone_rate(alone, seconds / 2)
        cores = (cpu_seconds(pids) - c0) / max(time.monotonic() - t0, 1e-9)
        await alone.close()
        return rate, cores

    try:
        before, before_cores = await one_alone()

        crowds.append(students := new_crowd())
        await students.open(n)
        await asyncio.sleep(warmup)
        workers = family(server.pid)[1:]
        used0 = time.monotonic(), cpu_seconds([server.pid]), cpu_seconds(workers), idle_seconds()
        each, redraws = await rates(students, seconds)
        used1 = time.monotonic(), cpu_seconds([server.pid]), cpu_seconds(workers), idle_seconds()
        server_cores, worker_cores, idle_cores = ((used1[i] - used0[i]) / (used1[0] - used0[0]) for i in (1, 2, 3))
        note = students.note()

        loads, figures = [], []  # FRESH_STUDENTS fresh students, one after another: one load swings by a second
        for i in range(FRESH_STUDENTS):
            t0 = time.monotonic()
            fresh = await open_student(probe, url, play=False)
            loads.append(time.monotonic() - t0)
            await fresh.wait_for_selector(FIGURE, state="attached", timeout=300_000)
            figures.append(time.monotonic() - t0)
            if i < FRESH_STUDENTS - 1:
                await fresh.context.close()
        training = await training_count(fresh)

        workers = family(server.pid)[1:]
        await students.close()
        t0 = time.monotonic()
        reclaimed = float("nan")
        while time.monotonic() - t0 < 120:
            # the server's count, read by reloading the fresh page, then the workers' CPU over the next second:
            # the reload builds that page's own model in a worker (the score page's first picture alone took
            # more than 0.05 s of CPU there), which must not count as a student's job still running
            await asyncio.sleep(1.0)
            await fresh.reload()
            await fresh.wait_for_function(f"() => /{STEP.pattern}/.test(document.body.innerText)", timeout=60_000)
            left, idle_from, c0 = await training_count(fresh), time.monotonic(), cpu_seconds(workers)
            await asyncio.sleep(1.0)
            if cpu_seconds(workers) - c0 < 0.05 and left == 0:
                reclaimed = idle_from - t0
                break
        await fresh.context.close()
        after, after_cores = await one_alone()  # the machine's speed drifts: the reference brackets the class
    finally:
        peak.running = False
        for crowd in crowds:
            await crowd.close()
        if crowd_browser is not None:
            await crowd_browser.close()
        await probe.close()
        stop_server(server)
    total, one, one_cores = sum(each), (before + after) / 2, (before_cores + after_cores) / 2
    # steps per worker CPU second in the class against alone: below 1, the workers' time itself went further alone
    per_cpu = (total / max(worker_cores, 1e-9)) / (one / one_cores) if one and one_cores else 0.0
    return {"page": page_path, "n": n, "one_alone": one, "alone_before": before, "alone_after": after,
            "aggregate": total, "ratio": total / one if one else 0.0,
            "smallest": min(each), "median": statistics.median(each), "fresh_load_s": statistics.median(loads),
            "fresh_max_s": max(loads), "figure_s": statistics.median(figures), "figure_max_s": max(figures),
            "training_seen": training, "peak_rss_mb": peak.rss, "peak_pss_mb": peak.pss,
            "reclaimed_s": reclaimed, "redraws": statistics.median(redraws), "server_cores": server_cores,
            "worker_cores": worker_cores, "idle_cores": idle_cores, "alone_cores": one_cores, "per_cpu": per_cpu,
            "crowd": note}


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    log_dir = ROOT / ".pytest_cache"
    log_dir.mkdir(exist_ok=True)
    crowd = "protocol-level students in one process" if args.crowd == "protocol" else "Chromium contexts"
    nice = args.crowd_nice if args.crowd == "protocol" else 19
    print(f"{os.cpu_count()} cores; the crowd: {crowd} at nice {nice}; {args.seconds:.0f} s per measurement")
    print(f"{'page':15s} {'N':>3s} {'1 alone':>8s} {'aggregate':>9s} {'ratio':>6s} {'smallest':>8s} {'median':>7s} "
          f"{'min/med':>7s} {'fresh s':>9s} {'figure s':>9s} {'seen':>4s} {'RSS MB':>7s} {'PSS MB':>7s} {'reclaim s':>9s} "
          f"{'redraw/s':>8s} {'cores srv,wrk,idle':>18s} {'alone wrk':>9s} {'per CPU':>7s} {'alone before,after':>18s} {'sessions':>8s} {'running':>7s} {'lag ms':>11s} "
          f"{'crowd CPU':>9s}")
    async with async_playwright() as pw:
        for page_path in args.pages.split(","):
            for n in (int(x) for x in args.sizes.split(",")):
                r = await measure(pw, page_path, n, args.seconds, log_dir, args.crowd, args.port, args.crowd_nice,
                                  args.warmup)
                print(f"{r['page']:15s} {r['n']:3d} {r['one_alone']:8.1f} {r['aggregate']:9.1f} {r['ratio']:6.2f} "
                      f"{r['smallest']:8.1f} {r['median']:7.1f} {r['smallest'] / max(r['median'], 1e-9):7.2f} "
                      f"{r['fresh_load_s']:4.1f},{r['fresh_max_s']:<4.1f} {r['figure_s']:4.1f},{r['figure_max_s']:<4.1f} "
                      f"{r['training_seen']:4d} "
                      f"{r['peak_rss_mb']:7.0f} {r['peak_pss_mb']:7.0f} {r['reclaimed_s']:9.1f} {r['redraws']:8.2f} "
                      f"{r['server_cores']:6.2f},{r['worker_cores']:4.2f},{r['idle_cores']:<5.2f} {r['alone_cores']:9.2f} "
                      f"{r['per_cpu']:7.2f} {r['alone_before']:>9.1f},{r['alone_after']:<8.1f} {r['crowd']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", default="gan,classification")
    parser.add_argument("--sizes", default="10,30")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--crowd", choices=("protocol", "browser"), default="protocol",
                        help="the N students: protocol-level clients (bench/st_client.py) or niced Chromium contexts")
    parser.add_argument("--port", type=int, default=0, help="the server's port (default: a free one)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds after the last student pressed Play")
    parser.add_argument("--crowd-nice", type=int, default=0, help="niceness of the protocol crowd's process")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
