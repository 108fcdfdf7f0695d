"""GAN presets on the ring and the grid: time, steps, modes captured, high-quality share.

    nice -n 10 env OMP_NUM_THREADS=1 python bench/bench_gan.py [--seconds 60] [--seed 0]

Each (preset, target) trains for at most ``--seconds`` of wall time on one thread; the mode metrics
are measured on 1,000 samples every 200 steps (the time spent measuring is not counted) and on
2,000 fresh samples at the end; "last 10 checks" is the range of the high-quality share over the
last 2,000 steps (a constant learning rate makes it swing). The aim of the issue: the recommended
preset captures all 8 modes of the ring with most samples high quality within 60 s; the collapse
preset visibly collapses. A second table trains the GAN and the VAE side by side (half the time each).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

from core.gan import GanTrainer  # noqa: E402
from core.gan_presets import COLLAPSE, RECOMMENDED, preset  # noqa: E402
from core.gan_vs_vae import gan_side, vae_side  # noqa: E402
from core.targets2d import make_target  # noqa: E402

torch.set_num_threads(1)


def run(name: str, data: str, seconds: float, seed: int, check_every: int = 200) -> dict:
    trainer = GanTrainer(preset(name, data=data, seed=seed, eval_every=10**9))
    k = len(trainer.data.target.modes)
    train_s, steps, first_all = 0.0, 0, None
    hq: list[float] = []
    while train_s < seconds:
        t0 = time.perf_counter()
        for _ in range(check_every):
            trainer.step()
        train_s += time.perf_counter() - t0
        steps += check_every
        m = trainer.evaluate()
        hq.append(m["high_quality"])
        if first_all is None and m["modes_captured"] >= k:
            first_all = (steps, train_s)
    final = trainer.final_metrics()
    return {"preset": name, "data": data, "seconds": train_s, "steps": steps, "steps_per_s": steps / train_s,
            "modes": f"{final['modes_captured']:.0f}/{k}", "high_quality": final["high_quality"],
            "energy": final["energy"], "all_modes_at": first_all, "hq_last": (min(hq[-10:]), max(hq[-10:]))}


def duel(data: str, seconds: float, seed: int) -> list[str]:
    """GAN (recommended preset) and VAE (latent 2, β 1) each trained ``seconds`` on the same data,
    measured by the GAN-against-VAE page's yardstick."""
    target = None if data == "digits" else make_target(data)
    rows = []
    for side in (gan_side(target, seed, RECOMMENDED), vae_side(target, seed, 2, 1.0)):
        t0, steps = time.perf_counter(), 0
        while time.perf_counter() - t0 < seconds:
            for _ in range(50):
                side.inner.step()
            steps += 50
        m = side.measure()
        if data == "digits":
            rows.append(f"{side.kind:4s} {data:6s} {steps:6d}  confident {m['confident']:6.1%}  "
                        f"classes {m['classes']:.0f}/10")
        else:
            rows.append(f"{side.kind:4s} {data:6s} {steps:6d}  modes {m['modes_captured']:.0f}/{len(target.modes)}  "
                        f"high quality {m['high_quality']:6.1%}  energy {m['energy']:.3f}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"GAN presets, {args.seconds:.0f} s of training each, seed {args.seed}, one thread")
    print(f"{'preset':24s} {'data':5s} {'time s':>7s} {'steps':>6s} {'steps/s':>8s} {'modes':>6s} "
          f"{'high q.':>8s} {'energy':>7s} {'last 10 checks':>15s}  all modes first at")
    for data in ("ring", "grid"):
        for name in (RECOMMENDED, COLLAPSE):
            r = run(name, data, args.seconds, args.seed)
            first = (f"step {r['all_modes_at'][0]:,} ({r['all_modes_at'][1]:.1f} s)" if r["all_modes_at"]
                     else "never")
            print(f"{r['preset']:24s} {r['data']:5s} {r['seconds']:7.1f} {r['steps']:6d} {r['steps_per_s']:8.1f} "
                  f"{r['modes']:>6s} {r['high_quality']:8.1%} {r['energy']:7.3f} "
                  f"{r['hq_last'][0]:6.0%} to {r['hq_last'][1]:4.0%}  {first}", flush=True)
    half = args.seconds / 2
    print(f"\nGAN against VAE, {half:.0f} s each on the same data (the page's yardstick)")
    print("side data    steps")
    for data in ("ring", "grid", "digits"):
        for row in duel(data, half, args.seed):
            print(row, flush=True)


if __name__ == "__main__":
    main()
