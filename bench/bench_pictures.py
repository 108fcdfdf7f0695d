"""How often a page's pictures change while it trains: seconds between two new snapshots after Play.

For each page (AppTest, in this process; the jobs train in the real worker processes of ``core.service``):
open the page with its default settings, press its first Play, then poll every job it started every
0.35 s (as its live view does on a quiet server) for S seconds and note when each job's picture
(``snapshot_version``) changes. Prints, per job: seconds to the first new picture after Play, the median
gap between two pictures, the pace the run reports (``snapshot_wait``) and its steps/s.

With ``--compare`` each page runs twice in one go: with its own settings, and with every job's picture
share forced to the runner's default 2 % (what the score and diffusion pages used until 3 December);
the last column is the ratio of the two median gaps.

    python bench/bench_pictures.py [--pages score,diffusion,gan] [--seconds 20] [--compare]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

import streamlit as st  # noqa: E402

from core import service as service_module  # noqa: E402
from tests.pagetest import open_page  # noqa: E402

POLL_S = 0.35  # dashboard.live.REFRESH_S: a live view's pace on a quiet server


def watch(page: str, seconds: float, share: float | None) -> list[dict]:
    """Open ``page``, press Play, poll its jobs for ``seconds``; one row per job that runs."""
    made = []
    create = service_module.TrainingService.create

    def recording(self, spec, **options):
        if share is not None:
            options["snapshot_share"] = share
        job = create(self, spec, **options)
        made.append(job)
        return job

    service_module.TrainingService.create = recording
    try:
        at = open_page(f"{page}.py")
        play = [b for b in at.button if (b.key or "").endswith("_play")]
        if not play:
            return []
        play[0].click().run()
        jobs = [j for j in made if j.active]
        seen = {id(j): j.snapshot_version for j in jobs}
        changes: dict[int, list[float]] = {id(j): [] for j in jobs}
        steps0 = {id(j): j.step_count for j in jobs}
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            for job in jobs:
                job.poll()
                if job.snapshot_version != seen[id(job)]:
                    seen[id(job)] = job.snapshot_version
                    changes[id(job)].append(time.monotonic() - t0)
            time.sleep(POLL_S)
        elapsed = time.monotonic() - t0
        rows = []
        for job in jobs:
            times = changes[id(job)]
            gaps = [b - a for a, b in zip(times, times[1:])]
            rows.append({"page": page, "job": job.name, "first": times[0] if times else float("nan"),
                         "gap": statistics.median(gaps) if gaps else float("nan"), "pictures": len(times),
                         "pace": job.timing.get("snapshot_wait", 0.0),
                         "steps_per_s": (job.step_count - steps0[id(job)]) / elapsed})
        return rows
    finally:
        service_module.TrainingService.create = create
        for job in made:
            job.stop()
        st.cache_resource.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", default="score,diffusion,flow_matching,gan,text")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--compare", action="store_true", help="also with every picture share at 2 %%")
    args = parser.parse_args()
    print(f"{'page':15} {'job':10} {'first s':>8} {'gap s':>6} {'pics':>5} {'pace s':>7} {'steps/s':>8}"
          + (f" {'gap at 2%':>9} {'ratio':>6}" if args.compare else ""))
    for page in args.pages.split(","):
        rows = watch(page, args.seconds, None)
        old = {r["job"]: r for r in watch(page, args.seconds, 0.02)} if args.compare else {}
        for r in rows:
            line = (f"{r['page']:15} {r['job']:10} {r['first']:8.1f} {r['gap']:6.1f} {r['pictures']:5d} "
                    f"{r['pace']:7.2f} {r['steps_per_s']:8.0f}")
            if args.compare:
                before = old.get(r["job"], {}).get("gap", float("nan"))
                if math.isnan(before):  # no second picture at 2 %: at least the whole window
                    before = args.seconds
                    line += f" {'>' + format(before, '.0f'):>9}"
                else:
                    line += f" {before:9.1f}"
                line += f" {before / r['gap']:6.1f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
