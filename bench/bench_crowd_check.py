"""Does a protocol-level student see what a browser sees? K of each on one server, at the same time.

``bench_class.py`` measures a class with protocol-level students (``bench/st_client.py``) because 30
Chromium tabs cannot share this machine with the server. This checks that stand-in against real
browsers: K protocol students and K Chromium contexts (niced to ``--nice``, in their own session group)
open one page together and press Play; then, in a few windows of ``--seconds``, each student's training
steps/s (from the status lines its server sent it) and its redraws per second (status lines received).
Their jobs share one server's workers, so the steps/s of the two kinds should agree within the
sampling noise of a status line that arrives only at each redraw; the redraws say whether the browsers
kept up with their live views' timers.

    python bench/bench_crowd_check.py [--page gan] [--students 2] [--seconds 10] [--rounds 3] [--nice 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_class import ROOT, BrowserCrowd, ProtocolCrowd, free_port, rates, start_server, stop_server  # noqa: E402
from tests.browser.chromium import FLAGS, niced_executable  # noqa: E402


def _row(name: str, steps: list[float], redraws: list[float]) -> str:
    return (f"{name:9s} steps/s {' '.join(f'{x:7.1f}' for x in steps)}  median {statistics.median(steps):7.1f}   "
            f"redraw/s {' '.join(f'{x:5.2f}' for x in redraws)}")


async def main_async(args) -> None:
    from playwright.async_api import async_playwright

    log_dir = ROOT / ".pytest_cache"
    log_dir.mkdir(exist_ok=True)
    port = args.port or free_port()
    server = start_server(port, log_dir / "bench-crowd-check.log")
    base = f"http://127.0.0.1:{port}"
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=niced_executable(args.nice), args=FLAGS)
            protocol = ProtocolCrowd(base, args.page, log_dir / "bench-crowd-check-crowd.log")
            browsers = BrowserCrowd(browser, f"{base}/{args.page}")
            try:
                t0 = time.monotonic()
                await asyncio.gather(protocol.open(args.students), browsers.open(args.students))
                print(f"{args.students} protocol students and {args.students} Chromium contexts (nice {args.nice}) on "
                      f"/{args.page}; all pressed Play after {time.monotonic() - t0:.0f} s", flush=True)
                await asyncio.sleep(5)
                for i in range(args.rounds):
                    (ps, pr), (bs, br) = await asyncio.gather(rates(protocol, args.seconds), rates(browsers, args.seconds))
                    print(f"window {i + 1} ({args.seconds:.0f} s)")
                    print(_row("protocol", ps, pr))
                    print(_row("browser", bs, br), flush=True)
            finally:
                await protocol.close()
                await browsers.close()
                await browser.close()
    finally:
        stop_server(server)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--page", default="gan")
    parser.add_argument("--students", type=int, default=2, help="of each kind")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--nice", type=int, default=5, help="the browsers' nice value (bench_class's crowd: 19)")
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
