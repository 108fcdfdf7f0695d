"""The data of the Gaussians page: 2D targets, blobs, spike amplitudes in µV, or a student's CSV.

A Gaussian or a mixture is fitted to ``n`` points ``x_i`` in one or two dimensions:

- a target of core/targets2d.py (ring, grid, moons, …) at a chosen spread;
- **blobs**: ``C`` clusters around random centres in ``[-3, 3]²``, at least 1.2 apart when possible,
  each with a slightly different std along each axis;
- **voltage**: the amplitudes (µV) of spikes of three neurons recorded on one electrode (spike
  sorting, the lecture's example of clusters that a mixture separates). They are measured, as in a
  lab, from a simulated recording (:func:`spike_trace`): each neuron fires at its own rate, each spike
  adds a brief waveform of a random height ``a ~ N(μ_k, σ_k²)`` to the electrode's noise, and a
  threshold detector reads each spike's peak. The amplitudes are therefore close to the mixture
  ``Σ_k π_k N(μ_k, σ_k²)`` of ``VOLTAGE``, whose weights ``π_k`` are the neurons' shares of the
  firing, but they are data, not draws from it: noise adds to every peak and spikes that fall on
  top of each other merge;
- a CSV of one or two numeric columns (or columns named x1 and x2), read by core/csvdata.py.

:func:`check_points` refuses what cannot be fitted at all (fewer than two points, all identical);
:func:`data_warnings` explains what is usable but degenerate (a constant column, fitted thanks to the
covariance floor).
"""

from __future__ import annotations

import os

import numpy as np

from core.csvdata import MAX_ROWS, CsvSource, is_number, numeric_columns, read_csv_table
from core.errors import ConfigError, DataError
from core.targets2d import TARGET_LABELS, TARGET_NAMES, make_target

DATA_NAMES = (*TARGET_NAMES, "blobs", "voltage")
DATA_LABELS = {**TARGET_LABELS, "blobs": "Blobs (choose the clusters)", "voltage": "Spike amplitudes in µV (1D)"}
# The "voltage" set: amplitudes of spikes of three neurons recorded on one electrode (µV).
VOLTAGE = {"weights": (0.5, 0.3, 0.2), "means": (45.0, 70.0, 110.0), "stds": (6.0, 8.0, 12.0)}
MIN_POINTS = 2


def make_blobs(n: int, clusters: int, std: float, seed: int) -> np.ndarray:
    """(n, 2) points around ``clusters`` random centres in [-3, 3]², at least 1.2 apart when possible."""
    rng = np.random.default_rng(seed)
    centres: list[np.ndarray] = []
    for _ in range(clusters):
        for _try in range(200):
            c = rng.uniform(-3, 3, 2)
            if all(np.linalg.norm(c - o) >= 1.2 for o in centres):
                break
        centres.append(c)
    scales = std * rng.uniform(0.6, 1.4, (clusters, 2))  # (C, 2) a little different per cluster and axis
    k = rng.integers(0, clusters, n)  # (n,)
    return np.asarray(centres)[k] + scales[k] * rng.standard_normal((n, 2))


# The simulated recording the amplitudes are measured from.
SAMPLE_HZ = 10_000  # samples per second
FIRING_HZ = 30.0  # spikes per second of the three neurons together, shared as VOLTAGE["weights"]
NOISE_UV = 5.0  # std of the electrode's noise
THRESHOLD_UV = 25.0  # a spike is detected where the trace first rises above this
DEAD_MS = 1.5  # after a detection, the detector waits this long (the spike's own waveform)
_t = np.arange(16)  # 1.6 ms
WAVEFORM = np.exp(-(((_t - 3) / 1.3) ** 2)) - 0.3 * np.exp(-(((_t - 8) / 2.5) ** 2))  # peak 1 at 0.3 ms


def spike_trace(n_spikes: int, seed: int) -> dict[str, np.ndarray]:
    """A recording long enough for about ``n_spikes`` spikes and what a threshold detector reads in it.

    Returns ``v`` (T,) the trace in µV at SAMPLE_HZ; ``spike_at`` (m,) sample index and ``neuron`` (m,)
    of every spike fired (the truth, unknown in a lab); ``peak_at`` (d,) and ``amplitude`` (d,) µV of
    every spike detected (the data).
    """
    rng = np.random.default_rng(seed)
    duration = (1.05 * n_spikes + 10) / FIRING_HZ  # seconds
    length = int(duration * SAMPLE_HZ)
    v = NOISE_UV * rng.standard_normal(length)  # (T,)
    times, neurons = [], []
    for k, share in enumerate(VOLTAGE["weights"]):
        count = rng.poisson(share * FIRING_HZ * duration)
        times.append(rng.integers(0, length - len(WAVEFORM), count))
        neurons.append(np.full(count, k))
    spike_at, neuron = np.concatenate(times), np.concatenate(neurons)
    order = np.argsort(spike_at, kind="stable")
    spike_at, neuron = spike_at[order], neuron[order]
    heights = np.take(VOLTAGE["means"], neuron) + np.take(VOLTAGE["stds"], neuron) * rng.standard_normal(len(neuron))
    for at, a in zip(spike_at, heights):
        v[at:at + len(WAVEFORM)] += a * WAVEFORM
    above = np.flatnonzero((v[1:] > THRESHOLD_UV) & (v[:-1] <= THRESHOLD_UV)) + 1  # upward crossings
    dead = int(DEAD_MS * SAMPLE_HZ / 1000)
    peaks, last = [], -dead
    for i in above:
        if i - last >= dead:
            last = i
            peaks.append(i + int(np.argmax(v[i:i + dead])))
    peak_at = np.asarray(peaks, dtype=np.int64)
    return {"v": v, "spike_at": spike_at, "neuron": neuron, "peak_at": peak_at, "amplitude": v[peak_at]}


def make_voltage(n: int, seed: int) -> np.ndarray:
    """(n, 1) spike amplitudes in µV, read by a threshold detector off a simulated recording."""
    amplitudes = spike_trace(n, seed)["amplitude"]
    while len(amplitudes) < n:  # a rare short draw: record for longer
        amplitudes = spike_trace(2 * n, seed)["amplitude"]
    return amplitudes[:n, None]


def points_from_csv(data: CsvSource, max_rows: int = MAX_ROWS) -> np.ndarray:
    """(n, d) points with d = 1 or 2 from a CSV of one or two numeric columns (or columns x1, x2).

    Text columns (labels) are ignored. Raises DataError with a student-readable reason.
    """
    table = read_csv_table(data, max_rows=max_rows)
    lower = [str(c).lower() for c in table.columns]
    if "x1" in lower and "x2" in lower:
        cols = [table.columns[lower.index("x1")], table.columns[lower.index("x2")]]
    else:
        cols = [c for c in table.columns if table[c].dropna().map(is_number).mean() > 0.5]
        if not 1 <= len(cols) <= 2:
            raise DataError(f"Expected one or two numeric columns but found {len(cols)}: keep one or two, "
                            "or name the two to use x1 and x2.")
    values = numeric_columns(table, cols)  # (n, d)
    check_points(values)
    return values


def check_points(x: np.ndarray) -> None:
    """DataError if ``x`` (n, d) cannot be fitted at all: too few points, or all identical."""
    if len(x) < MIN_POINTS:
        raise DataError(f"Only {len(x)} point: a Gaussian needs at least {MIN_POINTS}.")
    if np.all(x == x[0]):
        raise DataError("All points are identical: there is no spread to fit (every variance would be 0).")


def data_warnings(x: np.ndarray, floor: float) -> list[str]:
    """Student-readable notes on a usable but degenerate data set (a constant column)."""
    out = []
    for j in np.flatnonzero(np.ptp(x, axis=0) == 0):
        out.append(f"Column x{j + 1} is constant ({x[0, j]:g}): its variance is 0, so the fit uses the "
                   f"covariance floor ε = {floor:g} there (a regularised fit).")
    return out


def load_data(name: str, n: int, spread: float, clusters: int, seed: int) -> np.ndarray:
    """(n, d) float64 points: a target of core/targets2d.py, blobs, voltage (d = 1), or a CSV path."""
    if name in TARGET_NAMES:
        return make_target(name, spread).sample(n, seed=seed)
    if name == "blobs":
        return make_blobs(n, clusters, spread, seed)
    if name == "voltage":
        return make_voltage(n, seed)
    if os.path.isfile(name):
        return points_from_csv(name)
    raise ConfigError(f"--data must be one of {', '.join(DATA_NAMES)} or the path of a CSV file.")
