"""Remake the shipped checkpoints: ``python assets/checkpoints/make.py [MODEL ...]``.

Each is the CLI's own run, seed 0, on the model's default data and settings (the page's defaults), for a
fixed number of steps, so the files are reproducible on one machine (torch's CPU kernels may differ in
the last bits elsewhere). The JSON line of each run, with its quality, is printed; read the shipped
ones back with ``python -m core train MODEL --start trained --steps 0``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
STEPS = {"gan": 4000, "vae": 6000, "ddpm": 8000, "score": 8000, "flow": 10000, "text": 2000, "cnn": 1500}


def main(models: list[str]) -> int:
    for model in models or list(STEPS):
        out = HERE / f"{model}.pt"
        cmd = [sys.executable, "-m", "core", "train", model, "--steps", str(STEPS[model]), "--seed", "0",
               "--save-checkpoint", str(out)]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        print(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:], flush=True)
        if done.returncode:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
