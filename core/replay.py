"""Replays: a sampler's whole trajectory as a few frames, so a page can scrub the cloud from noise to data.

A trainer that can be replayed lists ``"trajectory"`` in its ``QUERIES`` (the Trainer protocol's
optional on-demand questions, ``core/runner.py``) and returns ``frames(...)`` of its sampler's states:
a page asks once (a button), and the figure animates in the browser, with no further server work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

REPLAY_POINTS = 500  # particles in a replay: a cloud, not a handful of paths
MAX_FRAMES = 40  # frames sent (evenly spaced over the states, first and last kept)


def frames(paths: np.ndarray, times: np.ndarray, time_label: str, data: np.ndarray,
           max_frames: int = MAX_FRAMES) -> dict[str, Any]:
    """States (S, n, 2) at ``times`` (S,), thinned to at most ``max_frames``, as float32, with the data."""
    paths, times = np.asarray(paths), np.asarray(times, dtype=float)
    if len(paths) != len(times):
        raise ValueError(f"{len(paths)} states but {len(times)} times")
    keep = np.unique(np.round(np.linspace(0, len(paths) - 1, min(max_frames, len(paths)))).astype(int))
    return {"frames": paths[keep].astype(np.float32), "times": times[keep], "time_label": time_label,
            "data": np.asarray(data[:1000], dtype=np.float32)}
