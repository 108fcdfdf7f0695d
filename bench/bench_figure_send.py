"""What a live view's figures cost the server at each poll: plotly's way against dashboard/fastfig.py's.

Trains the GAN page's default model for a few hundred steps (in this process), then, interleaved over
``--rounds`` rounds of ``--repeats`` polls each:

- **build**: the page's six live figures (``dashboard.fig_gan.live_figures``) with ``fastfig.Figure``, against
  the same builders with plotly's own ``add_trace`` (which checks every property of each trace again). The
  GAN builders now make each figure at once, traces and layout together, so little of this is left
  (12.2 ms against 7.7 when they added their traces one by one, 3 December; 6.2 against 5.4 since);
- **send**: what ``st.plotly_chart`` does with each figure (its dict, the JSON, a hash of the JSON as
  Streamlit's element id takes it) with plotly's ``to_dict`` (a deep copy of the figure, float64 arrays)
  against ``fastfig.Figure.to_dict`` (dicts and lists copied, float32 arrays); and the JSON's size.

- **square**: the square plots of the flow-matching, diffusion and score pages (``fig_samples.samples_figure``,
  ``vector_field``, ``trajectories``: the same figures as the flow page's three) made at once
  (``fig_samples.square_figure``) against built and then laid out again (``square_layout``, as they were).

- **vae**: the auto-encoder page's live figures (three digit grids, the codes, the decoded latent plane, the
  posterior), as built (``dashboard/fig_vae.py``: fastfig, layout at once) against the same figures through
  plotly's checks (``go.Figure`` of the same dict). Before 3 December they were built with plotly's checks and
  laid out again by ``update_layout``/``update_xaxes``: 3.9 ms a digit grid, 10.9 ms the codes;
- **gaussians**: the Gaussian page's 2D live figures (one Gaussian, a mixture of three) the same way (before
  3 December: 4.0 and 5.2 ms each, built with plotly's checks and laid out again);
- **gaussians 1d**: its 1D live figures (a histogram with the fitted Gaussian and its μ ± σ, μ ± 2σ lines; a
  mixture's histogram, components and responsibilities) the same way (before 4 December: 11–13 ms and
  6.5 ms each to build, with plotly's checks, ``add_vline`` and ``update_*`` after).

Prints CPU milliseconds per poll (median over rounds) and the ratios plotly / fastfig (and again / at once).

    python bench/bench_figure_send.py [--rounds 5] [--repeats 20]
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path
from unittest import mock

sys.path[:0] = [str(Path(__file__).resolve().parent.parent)]

import numpy as np  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
import plotly.io as pio  # noqa: E402

from core.gan import GanConfig, GanTrainer  # noqa: E402
from core.nets import training_thread  # noqa: E402
from dashboard import fastfig  # noqa: E402
from dashboard.fig_gan import live_figures  # noqa: E402
from dashboard.fig_samples import bounds_of, square_figure, square_layout  # noqa: E402
from dashboard.fig_vae import codes_figure, digit_grid, latent_plane_grid, posterior_figure  # noqa: E402
from dashboard.fig_gaussians import gaussian_1d, gaussian_2d, mixture_1d, mixture_2d  # noqa: E402


def send(fig: go.Figure, to_dict) -> int:
    """``st.plotly_chart``'s work on ``fig`` with ``to_dict``; the JSON's length."""
    spec = pio.to_json(to_dict(fig), validate=False)
    hashlib.md5(spec.encode(), usedforsecurity=False).hexdigest()
    return len(spec)


def cpu_ms(fn, repeats: int) -> float:
    t0 = time.thread_time()
    for _ in range(repeats):
        fn()
    return (time.thread_time() - t0) / repeats * 1000


def unchecked_init(self, *args, **kwargs):
    """``fastfig.Figure`` as it was, ``partial(go.Figure, _validate=False)``: plotly's ``add_trace`` then checks
    every property of a trace again."""
    kwargs.setdefault("_validate", False)
    go.Figure.__init__(self, *args, **kwargs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    training_thread()
    trainer = GanTrainer(GanConfig(eval_every=100))
    for _ in range(400):
        trainer.step()
    snap = trainer.snapshot()
    steps = np.arange(0.0, 4000.0, 10.0)
    history = {"step": steps, "d_loss": np.cos(steps), "g_loss": np.sin(steps), "energy": np.exp(-steps / 1e3),
               "modes_captured": np.full_like(steps, 6.0), "high_quality": np.full_like(steps, 0.8)}

    def build() -> dict:
        return live_figures(snap, history)

    def build_plotly() -> dict:  # every trace checked again as it is added, as plotly's add_trace does
        with mock.patch.object(fastfig.Figure, "__init__", unchecked_init):
            return live_figures(snap, history)

    rng = np.random.default_rng(0)  # a flow page's three square plots: field, trajectories, samples
    squares = [([fastfig.Scatter(x=c[:, 0], y=c[:, 1], mode="markers") for c in (rng.normal(size=(n, 2)),)
                 * parts], f"plot {i}") for i, (n, parts) in enumerate(((400, 3), (2000, 4), (1000, 2)))]

    def square_at_once() -> list:
        return [square_figure(traces, title, bounds_of(traces[0].x.reshape(-1, 1).repeat(2, 1)), 420)
                for traces, title in squares]

    def square_again() -> list:
        return [square_layout(fastfig.Figure(data=traces, layout=dict(title=dict(text=title))),
                              bounds_of(traces[0].x.reshape(-1, 1).repeat(2, 1)), 420) for traces, title in squares]

    images = rng.random((16, 64)) * 16

    def vae_figures() -> list:  # pages/autoencoders.py's live view, at its default sizes
        return [digit_grid(images, 8, "inputs and reconstructions", vmax=16), digit_grid(images, 4, "samples"),
                digit_grid(images[:10], 5, "interpolation"),
                codes_figure(rng.normal(size=(600, 2)), rng.integers(0, 10, 600), "codes"),
                latent_plane_grid(rng.random((15, 15, 64)), np.linspace(-2, 2, 15), "latent plane"),
                posterior_figure(rng.normal(size=(300, 2)), rng.random((300, 2)), rng.random(300), "posterior")]

    cloud, covs = rng.normal(size=(500, 2)), np.stack([np.eye(2) * (1 + i) for i in range(3)])

    def gaussian_figures() -> list:  # pages/gaussians.py's 2D live figures
        return [gaussian_2d(cloud, np.zeros(2), covs[0], "one Gaussian"),
                mixture_2d(cloud, rng.dirichlet(np.ones(3), 500), np.array([0.5, 0.3, 0.2]), rng.normal(size=(3, 2)),
                           covs, "a mixture")]

    line = cloud[:, :1] * 2 + 1

    def gaussian_1d_figures() -> list:  # pages/gaussians.py's 1D live figures (spike amplitudes, 1D data)
        return [gaussian_1d(line, 1.1, 3.9, "one Gaussian", seen=300),
                mixture_1d(line, rng.dirichlet(np.ones(3), 500), np.array([0.5, 0.3, 0.2]),
                           rng.normal(size=(3, 1)), covs[:, :1, :1], "a mixture")]

    pages = {"vae": ("the auto-encoder page's six live figures", vae_figures),
             "gaussians": ("the Gaussian page's two 2D live figures", gaussian_figures),
             "gaussians 1d": ("the Gaussian page's two 1D live figures", gaussian_1d_figures)}

    figs = build()
    sizes = {"plotly": sum(send(f, go.Figure.to_dict) for f in figs.values()),
             "fastfig": sum(send(f, fastfig.Figure.to_dict) for f in figs.values())}
    rows: dict[str, list[float]] = {k: [] for k in ("build plotly", "build fastfig", "send plotly", "send fastfig",
                                                    "square again", "square at once")}
    rows |= {f"{page} {way}": [] for page in pages for way in ("checked", "fastfig")}
    for _ in range(args.rounds):
        rows["square again"].append(cpu_ms(square_again, args.repeats))
        rows["square at once"].append(cpu_ms(square_at_once, args.repeats))
        for page, (_, figures) in pages.items():
            rows[f"{page} checked"].append(cpu_ms(
                lambda: [send(go.Figure(f.to_dict()), go.Figure.to_dict) for f in figures()], args.repeats))
            rows[f"{page} fastfig"].append(cpu_ms(
                lambda: [send(f, fastfig.Figure.to_dict) for f in figures()], args.repeats))
        rows["build plotly"].append(cpu_ms(build_plotly, args.repeats))
        rows["build fastfig"].append(cpu_ms(build, args.repeats))
        rows["send plotly"].append(cpu_ms(lambda: [send(f, go.Figure.to_dict) for f in figs.values()], args.repeats))
        rows["send fastfig"].append(cpu_ms(lambda: [send(f, fastfig.Figure.to_dict) for f in figs.values()], args.repeats))
    med = {k: statistics.median(v) for k, v in rows.items()}
    print(f"GAN page, six live figures, {args.rounds} rounds of {args.repeats} polls (CPU ms per poll, median):")
    for what in ("build", "send"):
        print(f"  {what:5s}  plotly {med[what + ' plotly']:6.2f}  fastfig {med[what + ' fastfig']:6.2f}  "
              f"ratio {med[what + ' plotly'] / med[what + ' fastfig']:5.2f}")
    total_p, total_f = med["build plotly"] + med["send plotly"], med["build fastfig"] + med["send fastfig"]
    print(f"  both   plotly {total_p:6.2f}  fastfig {total_f:6.2f}  ratio {total_p / total_f:5.2f}")
    print(f"  JSON   plotly {sizes['plotly'] / 1e3:6.1f} KB  fastfig {sizes['fastfig'] / 1e3:6.1f} KB  "
          f"ratio {sizes['plotly'] / sizes['fastfig']:5.2f}")
    print(f"three square plots (a flow page's): laid out again {med['square again']:6.2f}  at once "
          f"{med['square at once']:6.2f}  ratio {med['square again'] / med['square at once']:5.2f}")
    for page, (label, _) in pages.items():
        print(f"{label}, built and sent: through plotly's checks {med[page + ' checked']:6.2f}  fastfig "
              f"{med[page + ' fastfig']:6.2f}  ratio {med[page + ' checked'] / med[page + ' fastfig']:5.2f}")


if __name__ == "__main__":
    main()
