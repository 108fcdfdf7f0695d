"""Benchmark: on the shipped corpus, within 60 s of one core, do the GRU and the Transformer beat the
bigram model's validation loss?

    nice -n 10 env OMP_NUM_THREADS=1 python bench/bench_text.py [--seconds 60]

Each model trains with the page's settings for the given CPU time of this process (one torch thread;
CPU time rather than wall time, so a busy shared machine does not shorten the budget); the bigram
counts the whole training text. Printed: validation loss in nats per character over the first
50,000 characters of the held-out end of the text, side by side with the bigram's and the uniform
log V, and the ratio to the bigram's.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.text import TextConfig, TextTrainer  # noqa: E402

torch.set_num_threads(1)

CONFIGS = {
    "bigram": TextConfig(model="bigram"),
    "gru": TextConfig(model="gru", context=32, width=64, depth=1, lr=0.003, batch_size=32),
    "transformer": TextConfig(model="transformer", context=32, width=64, depth=2, heads=4, lr=0.003, batch_size=32),
}


def train(cfg: TextConfig, cpu_seconds: float) -> tuple[TextTrainer, int, float, float]:
    trainer = TextTrainer(cfg)
    t_cpu, t_wall = time.process_time(), time.perf_counter()
    steps = 0
    while time.process_time() - t_cpu < cpu_seconds:
        trainer.step()
        steps += 1
        if cfg.model == "bigram" and trainer._counted >= len(trainer.train_ids) - 1:
            break  # every pair is counted
    return trainer, steps, time.process_time() - t_cpu, time.perf_counter() - t_wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0, help="CPU seconds per model")
    args = parser.parse_args()
    rows = []
    for name, cfg in CONFIGS.items():
        trainer, steps, cpu, wall = train(cfg, args.seconds)
        rows.append((name, steps, cpu, wall, trainer.full_validation_loss(), trainer.parameter_count()))
        bigram, uniform = trainer.baselines["bigram"], trainer.baselines["uniform"]
    print(f"corpus: Persuasion ch. 1-16, V = {trainer.V}, {len(trainer.train_ids):,} train / "
          f"{len(trainer.val_ids):,} validation characters; budget {args.seconds:.0f} CPU s per model, 1 thread")
    print(f"reference: uniform log V = {uniform:.3f} nats/char, counted bigram = {bigram:.3f} nats/char")
    print(f"{'model':12s} {'params':>8s} {'steps':>7s} {'cpu s':>6s} {'wall s':>7s} {'val nats/char':>14s} "
          f"{'/ bigram':>9s} {'beats bigram':>13s}")
    for name, steps, cpu, wall, val, params in rows:
        print(f"{name:12s} {params:8,d} {steps:7,d} {cpu:6.1f} {wall:7.1f} {val:14.3f} {val / bigram:9.3f} "
              f"{'(reference)' if name == 'bigram' else 'yes' if val < bigram else 'no':>13s}")


if __name__ == "__main__":
    main()
