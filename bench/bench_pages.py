"""One browser watches a page train: its steps/s against the headless CLI's, for every lecture page.

For each page of ``dashboard/topics.py`` that is built and has a Play button (the home page has none),
on one ``streamlit run`` of the app shared by all pages and otherwise idle:

1. **CLI**: ``python -m core train MODEL --seconds S --seed 0 [options]`` with the model and options
   that match the page's default settings (the table ``PAGES`` below); its last line's
   ``steps_per_s``.
2. **Page**: one browser (Chromium under ``nice 19``, viewport 1280x720, as in bench_class.py) opens
   the page, presses its first Play (a page's main job), waits 5 s (or until a quarter of the job's step
   budget is spent, if sooner), then reads that job's status line ("running · step 1,234 / 30,000 · ...")
   every 0.5 s for S seconds: steps/s = Δsteps / Δtime from the first reading to the last one that is
   still running (a page whose budget ends inside the window is measured over the part that trained, then
   reset and played again, as a student would after its end, until S seconds of running are read or six budgets
   are spent: the steps over the seconds seen running, summed).

The two run one after the other, page by page (CLI, page, CLI again, interleaved across pages), so both
see the same machine; before each CLI run the server's workers are left to fall idle. The CLI's reference
is the mean of its run before the page and its run after it (printed as ``CLI before,after``): this
machine's speed drifts within minutes (the flow CLI read 332 and 412 steps/s in two runs of one
benchmark, 3 December), and a single CLI run before the page made the ratio swing with it. A page whose
main job is paced on purpose (``max_steps_per_s``) or has no CLI model gets a reason instead of a
ratio. Aim (issue 10): page / CLI >= 0.8 on every page.

    python bench/bench_pages.py [--pages classification,gan] [--seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from bench_class import ROOT, STEP, cpu_seconds, family, free_port, open_student, start_server  # noqa: E402
from tests.browser.chromium import CHROMIUM, FLAGS, niced_executable  # noqa: E402

TARGET = 0.8
WARMUP_S = 5.0
MIN_WINDOW_S = 2.0  # a rate over less than this is noise
MAX_BUDGETS = 6  # a short budget is played again, at most this many times in all
RESTART_S = 1.0  # after Reset and Play, before the next budget is read (the new model's first picture)
BUDGET = re.compile(r"step ([\d,]+) / ([\d,]+)")  # the status line with its step budget
OPEN_TIMEOUT_S = 180.0  # a page that draws no status line by then (or shows a traceback) fails its row

# url_path -> (CLI model and options for the page's defaults, or None with the reason there is no ratio).
# Every page's main job is its first Play button; the defaults are the page's widget defaults.
PAGES: dict[str, tuple[str | None, str]] = {
    # pages/data_vs_rules.py: RulesTrainer with max_steps_per_s=PACE (60): the boundary moves slowly on purpose
    "data_vs_rules": (None, "paced by design: 60 steps/s (PACE, max_steps_per_s)"),
    # pages/optimisation.py: first tab, the line y = a·x + b (LinRegTrainer), max_steps_per_s=30
    "optimisation": (None, "paced by design: the line's GD walk at 30 steps/s (max_steps_per_s)"),
    # pages/classification.py sidebar: moons, noise 0.1, 400 points, 50 % train, features x1,x2, 2 layers of 8,
    # tanh, Adam, lr 0.03, L2 0, batch 32, seed 0 (ClassifyConfig's eval_every 20)
    "classification": ("classify", "--data moons --noise 0.1 --n-points 400 --train-ratio 0.5 --features x1,x2 "
                                   "--hidden 8,8 --activation tanh --optimizer adam --lr 0.03 --l2 0 --batch-size 32"),
    # pages/capacity.py: first tab, the sweep over polynomial degrees, max_steps_per_s=4 for "poly" (the default)
    "capacity": (None, "paced by design: the polynomial sweep at 4 degrees/s (max_steps_per_s)"),
    # pages/architectures.py sidebar: 8 filters, MLP 64 units, lr 0.01 (the CLI's default is 0.003), batch 64
    "architectures": ("cnn", "--channels 8 --mlp-hidden 64 --lr 0.01 --batch-size 64"),
    # pages/gaussians.py: first tab, one Gaussian fitted batch by batch (GaussianFitTrainer), 8 batches/s;
    # the EM tab is paced too (EM_RATE 6 iterations/s)
    "gaussians": (None, "paced by design: the Gaussian fit at 8 batches/s (max_steps_per_s), no CLI model"),
    # pages/energy.py: target ring, spread 0.1 (target_picker's default_spread), 2 layers of 32, grid 64,
    # lr 0.01, seed 0 (EnergyConfig's n_points 2000, batch 256, eval_every 10); the Langevin sampler is second
    "energy": ("energy", "--target ring --spread 0.1 --layers 2 --hidden 32 --grid 64 --lr 0.01"),
    # pages/gan.py: ring, spread 0.05, the recommended preset ("stable": GanConfig's defaults), eval_every=100
    "gan": ("gan", "--data ring --spread 0.05 --eval-every 100"),
    # pages/autoencoders.py: first tab, the bank of auto-encoders on digits: k = 8 of sizes 1..32, 128 hidden
    # units, lr 0.003, seed 0 (AEConfig's batch 128, eval_every 50)
    "autoencoders": ("ae", "--data digits --latent 8 --sizes 1,2,4,8,16,32 --hidden 128 --lr 0.003"),
    # pages/gan_vs_vae.py: the GAN (first Play) = core/gan_vs_vae.gan_side: the recommended preset on ring,
    # spread 0.05; its Compared wrapper measures samples every 100 steps, as the GAN's own eval_every=100 does
    "gan_vs_vae": ("gan", "--data ring --spread 0.05 --eval-every 100"),
    # pages/score.py: ring, spread 0.05, every other widget at ScoreConfig()'s default (DEFAULT)
    "score": ("score", "--data ring --spread 0.05"),
    # pages/diffusion.py: ring, spread 0.05, every other widget at DiffusionConfig()'s default (cosine, T 200,
    # DDPM, 100 sampling steps)
    "diffusion": ("ddpm", "--data ring --spread 0.05"),
    # pages/flow_matching.py: the flow (first Play; the comparison with diffusion is second): ring, spread 0.05,
    # no OT, 3 layers of 128, 32 Fourier features, lr 0.002, batch 256, Euler with NFE 100
    "flow_matching": ("flow", "--data ring --spread 0.05 --ot no --width 128 --depth 3 --n-fourier 32 --lr 0.002 "
                              "--batch-size 256 --solver euler --sample-steps 100"),
    # pages/text.py: Persuasion, GRU, context 32, width 64, 1 layer, lr 0.003, batch 32 (TextConfig's eval 25)
    "text": ("text", "--model gru --corpus persuasion --context 32 --width 64 --depth 1 --lr 0.003 --batch-size 32"),
    # pages/beyond.py: the default demo, outlier detection (OutlierTrainer), max_steps_per_s=15
    "beyond": (None, "paced by design: outlier detection at 15 steps/s (max_steps_per_s), no CLI model"),
}


def lecture_pages() -> list[str]:
    from dashboard.topics import TOPICS

    return [t.url_path for t in TOPICS if t.built]


def cli_command(model: str, options: str, seconds: float) -> list[str]:
    return [sys.executable, "-m", "core", "train", model, "--seconds", f"{seconds:g}", "--seed", "0",
            *shlex.split(options)]


def cli_rate(model: str, options: str, seconds: float) -> float:
    """The CLI's steps/s for this model and these options over ``seconds``."""
    done = subprocess.run(cli_command(model, options, seconds), cwd=ROOT, capture_output=True, text=True,
                          timeout=seconds + 300)
    lines = done.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"CLI printed nothing: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    summary = json.loads(lines[-1])
    if "steps_per_s" not in summary:
        raise RuntimeError(f"CLI {summary.get('state')}: {summary.get('message', '')}")
    return float(summary["steps_per_s"])


# --------------------------------------------------------------------------- the page


class Watch:
    """A page seen from its ``index``-th status line on: that job's state and step count, read off the page."""

    def __init__(self, page, index: int):
        self.page, self.index = page, index

    async def inner_text(self, selector: str) -> str:
        text = await self.page.inner_text(selector)
        found = list(STEP.finditer(text))
        return text[found[self.index].start():] if len(found) > self.index else ""

    async def state(self) -> str:
        match = STEP.search(await self.inner_text("body"))
        return match.group(1) if match else "no status line"

    async def step(self) -> int:
        match = STEP.search(await self.inner_text("body"))
        return int(match.group(2).replace(",", "")) if match else -1

    async def reading(self) -> tuple[float, str, int]:
        """(time, state, step) of the status line now; step -1 when the page shows none."""
        match = STEP.search(await self.inner_text("body"))
        if not match:
            return time.monotonic(), "no status line", -1
        return time.monotonic(), match.group(1), int(match.group(2).replace(",", ""))

    async def rate(self, seconds: float, every: float = 0.5) -> tuple[float, float]:
        """(steps/s, seconds measured) over at most ``seconds``, from the status line as the page shows it
        (one browser on a quiet machine redraws it in time; bench_class reads its crowd's websockets
        instead). The status line is read every ``every`` s; the rate runs from the first reading to the
        last one that still says "running", so a budget that ends inside the window (a fast classifier)
        is measured over the part that trained rather than diluted by the finished tail."""
        first = last = await self.reading()
        end = first[0] + seconds
        while time.monotonic() < end:
            await asyncio.sleep(every)
            now = await self.reading()
            if now[1] != "running":
                break
            last = now
        if first[2] < 0 or last[0] <= first[0]:
            return 0.0, 0.0
        return max(0, last[2] - first[2]) / (last[0] - first[0]), last[0] - first[0]

    async def warm_up(self, seconds: float, budget_share: float = 0.25) -> None:
        """Until ``seconds`` have passed since Play or a quarter of the step budget is spent, whichever
        comes first (a page that finishes its budget in seconds keeps most of it for the measurement)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            match = BUDGET.search(await self.inner_text("body"))
            if match and int(match.group(1).replace(",", "")) >= budget_share * int(match.group(2).replace(",", "")):
                return
            await asyncio.sleep(0.25)


async def page_error(browser, testid: str = "stException") -> str | None:
    """The first line of a traceback (or of another element, e.g. an st.error box) on any open page."""
    for context in browser.contexts:
        for page in context.pages:
            box = page.locator(f'[data-testid="{testid}"]')
            if await box.count():
                lines = [x.strip() for x in (await box.first.inner_text()).splitlines()]
                words = [x for x in lines if x and not x.isidentifier()]  # not the icon's name ("error")
                return (words or ["?"])[0][:160]
    return None


async def open_playing(browser, url: str):
    """bench_class's open_student (goto, wait for the status line, press the first Play), failing fast."""
    task = asyncio.create_task(open_student(browser, url))
    t0 = time.monotonic()
    while not task.done():
        await asyncio.wait({task}, timeout=1.0)
        if task.done():
            break
        error = await page_error(browser)  # a traceback
        if error is None and time.monotonic() - t0 > 30:  # an error box and still no job to play
            error = await page_error(browser, "stAlertContentError")
        if error or time.monotonic() - t0 > OPEN_TIMEOUT_S:
            task.cancel()
            raise RuntimeError(f"page shows: {error}" if error else f"no running status line in {OPEN_TIMEOUT_S:.0f} s")
    return task.result()


async def page_rate(browser, url: str, seconds: float) -> tuple[float | None, str]:
    """(steps/s of the page's first job as its status line shows it, a note if the measurement is off).

    A page whose step budget ends inside the window (the classifier's 20,000 steps take 4 s, the energy
    model's 5,000 about 6 s) is reset and played again, as a student would after the end, until ``seconds``
    of running have been read or ``MAX_BUDGETS`` budgets are spent: the rate is the steps over the time
    the job was seen running, summed over the budgets, so a short budget is not read off a few redraws of
    its status line (a redraw's lag of 0.3 s is a tenth of a 3 s window)."""
    try:
        page = await open_playing(browser, url)
        text = await page.inner_text("body")
        states = [m.group(1) for m in STEP.finditer(text)]
        watch = Watch(page, states.index("running") if "running" in states else 0)
        await watch.warm_up(WARMUP_S)
        steps = measured = 0.0
        budgets = 0
        while True:
            rate, window = await watch.rate(seconds - measured)
            steps, measured, budgets = steps + rate * window, measured + window, budgets + 1
            state = await watch.state()
            if state == "running" or measured >= seconds - 0.5 or budgets >= MAX_BUDGETS:
                break
            if state != "finished" or await page_error(browser):
                break
            # another budget: a finished run's Play is disabled, so Reset (new weights, same seed) and Play
            await page.get_by_role("button", name="Reset").first.click(timeout=60_000)
            await page.wait_for_function("() => !/finished · step/.test(document.body.innerText)", timeout=60_000)
            await page.get_by_role("button", name="Play").first.click(timeout=60_000)
            await page.wait_for_function("() => /running · step/.test(document.body.innerText)", timeout=60_000)
            await asyncio.sleep(RESTART_S)
        error = await page_error(browser)
        if error:
            note = f"page shows: {error}"
        elif budgets > 1:
            note = f"budget ended: measured over {measured:.1f} s of {budgets} budgets"
        else:
            note = "" if state == "running" else f"budget ended: measured over {measured:.1f} s"
        if measured < MIN_WINDOW_S and not error:
            return None, f"not measured: the job ran only {measured:.1f} s after its warm-up ({state})"
        return steps / measured, note
    finally:
        for context in list(browser.contexts):
            await context.close()


def wait_idle(server_pid: int, limit_s: float = 60.0) -> None:
    """Until the server and its workers use (almost) no CPU: the last page's job has stopped."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s:
        pids = family(server_pid)
        c0 = cpu_seconds(pids)
        time.sleep(1.0)
        if cpu_seconds(pids) - c0 < 0.1:
            return


# --------------------------------------------------------------------------- the run


def verdict(cli: float | None, shown: float | None) -> tuple[float | None, str]:
    """(page/CLI, "OK" or "BELOW"), or (None, "") when either rate is missing."""
    if not cli or shown is None:
        return None, ""
    ratio = shown / cli
    return ratio, "OK" if ratio >= TARGET else "BELOW"


def row(page: str, cli: float | None, shown: float | None, note: str) -> str:
    """One printed row: page, CLI steps/s, page steps/s, ratio and verdict (or blanks), then the note."""
    cells = [f"{v:9.1f}" if v is not None else f"{'—':>9s}" for v in (cli, shown)]
    ratio, word = verdict(cli, shown)
    return f"{page:15s} {cells[0]} {cells[1]} {'' if ratio is None else f'{ratio:.2f}':>6s} {word:6s} {note}"


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    built = lecture_pages()
    chosen = built if args.pages == "all" else [p.strip() for p in args.pages.split(",") if p.strip()]
    log_dir = ROOT / ".pytest_cache"
    log_dir.mkdir(exist_ok=True)
    port = free_port()
    server = start_server(port, log_dir / "bench-pages.log")
    print(f"one server, one browser at nice 19 ({CHROMIUM}), 1280x720; per page: CLI {args.seconds:g} s, then the "
          f"page: Play, {WARMUP_S:g} s warm-up, steps read {args.seconds:g} s apart, then the CLI again (the reference: "
          f"the mean of the two); target page/CLI >= {TARGET}")
    print(f"{'page':15s} {'CLI st/s':>9s} {'page st/s':>9s} {'ratio':>6s} {'':6s} note")
    ok = measured = 0
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=niced_executable(), args=FLAGS)
            try:
                for name in chosen:
                    if name not in built or name not in PAGES:
                        print(row(name, None, None, "not a lecture page with a Play button"), flush=True)
                        continue
                    model, options = PAGES[name]
                    if model is None:
                        print(row(name, None, None, options), flush=True)
                        continue
                    measured += 1
                    cli = shown = None
                    try:
                        await asyncio.to_thread(wait_idle, server.pid)
                        cli = before = await asyncio.to_thread(cli_rate, model, options, args.seconds)
                        shown, note = await page_rate(browser, f"http://127.0.0.1:{port}/{name}", args.seconds)
                        await asyncio.to_thread(wait_idle, server.pid)
                        after = await asyncio.to_thread(cli_rate, model, options, args.seconds)
                        cli = (before + after) / 2
                        note = f"CLI before,after {before:.1f},{after:.1f}" + (f"; {note}" if note else "")
                    except Exception as err:  # one page's failure is its row's note; the others still run
                        note = f"failed: {type(err).__name__}: {(str(err).strip().splitlines() or [''])[0][:200]}"
                    print(row(name, cli, shown, note), flush=True)
                    ok += verdict(cli, shown)[1] == "OK"
            finally:
                await browser.close()
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"{ok} of {measured} measured pages OK (page/CLI >= {TARGET}); "
          f"{len(chosen) - measured} without a ratio (paced by design, no CLI model or not a page)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="all", help="comma list of url paths (default: every lecture page)")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds of each measurement (default 15)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
