"""Plotly figures and traces built without plotly's check of every property.

``go.Figure``, ``go.Scatter`` and ``go.Heatmap`` validate each property they are given and copy every
array into a read-only one; a live view rebuilds its figures at every poll of every student's page, and
that check was half of the GAN page's figure-building time (16.5 ms against 6.7 ms for its six live
figures, the same JSON). The builders of the live figures (``dashboard/figures.py``, ``fig_samples.py``,
``fig_gan.py``, ``fig_vae.py``, ``fig_gaussians.py``, ``fig_energy.py``) use these instead. What the check
would have caught is caught in the tests: with ``GENLAB_CHECK_FIGURES`` set (``tests/conftest.py`` sets
it), ``dashboard.layout.chart`` rebuilds every figure a page draws with plotly's checks and requires the
same JSON (:func:`checked`), so every AppTest of every page checks the figures it draws.

:class:`Figure` also skips plotly's second check of every trace it adds (``add_trace`` checks again a trace
built unchecked), and makes the dict ``st.plotly_chart`` sends without plotly's deep copy of every array,
with float arrays as float32. For the GAN page's six live figures (``bench/bench_figure_send.py``, both ways
in one run): building them 7.7 ms of CPU instead of 12.2, sending them 1.6–2.0 ms instead of 6.1–6.8, and
128 KB of JSON instead of 242 at each poll of each student's page. Building the GAN page's square figures
with their layout at once (``fig_samples.square``), not laid out again after, brought building to 5.4 ms.
"""

from __future__ import annotations

import base64
import json
import os
from functools import partial

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import is_homogeneous_array, to_typed_array_spec

SKIPPED_KEYS = frozenset(("geojson", "layer", "layers", "range"))  # arrays plotly never sends in binary
# (_plotly_utils.utils.is_skipped_key)


class Figure(go.Figure):
    """``go.Figure`` without plotly's check of every property, whose dict for the browser (``to_dict``, what
    ``st.plotly_chart`` sends) costs less to make and to send: plotly deep-copies the whole figure, arrays
    and all, before it encodes each array; this copies only the dicts and lists around the arrays, and
    sends float arrays as float32 typed arrays: half the bytes of float64 for every hash, message and
    browser that handles them, and still about seven significant digits, more than a screen shows. A float
    array whose values reach 2**24 stays float64: there float32 stops holding every integer (a step count
    of 16,777,217 would read 16,777,216)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("_validate", False)
        super().__init__(*args, **kwargs)
        if not self._validate:  # add_trace checks every property of a trace again (plotly passes no _validate)
            check = self._data_validator
            check.validate_coerce = partial(type(check).validate_coerce, check, _validate=False)

    def to_dict(self) -> dict:
        out = {"data": [_sendable(trace) for trace in self._data], "layout": _sendable(self._layout)}
        frames = [_sendable(frame._props) for frame in self._frame_objs]
        if frames:
            out["frames"] = frames
        return out


def _sendable(value, key: str = ""):
    """``value`` as plotly's ``to_dict`` would give it (dicts and lists copied, numeric arrays as typed-array
    specs), with float arrays as float32 where that loses nothing a screen shows."""
    if isinstance(value, dict):
        return {k: _sendable(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_sendable(v) for v in value]
    if value is None or isinstance(value, (str, int, float)) or key in SKIPPED_KEYS:
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind == "f" and value.size:
        return _float_spec(value)
    return to_typed_array_spec(value) if is_homogeneous_array(value) else value


def _float_spec(values: np.ndarray) -> dict:
    """A float array as plotly.js's typed-array spec (base64 of its bytes), float32 unless its values
    reach 2**24 (an array with an inf stays float64; NaN stays NaN)."""
    small = np.nanmax(np.abs(values), initial=0.0) < 2.0 ** 24
    values = np.ascontiguousarray(values, dtype=np.float32 if small else np.float64)
    spec = {"dtype": "f4" if small else "f8", "bdata": base64.b64encode(values).decode("ascii")}
    if values.ndim > 1:
        spec["shape"] = str(values.shape)[1:-1]  # plotly's own spelling: "3, 4"
    return spec


Scatter = partial(go.Scatter, _validate=False)
Heatmap = partial(go.Heatmap, _validate=False)
Contour = partial(go.Contour, _validate=False)
Histogram = partial(go.Histogram, _validate=False)

CHECK = os.environ.get("GENLAB_CHECK_FIGURES", "") not in ("", "0")


class FigureCheckError(ValueError):
    """Plotly's checks reject a figure, or change what it sends to the browser (tests only)."""


def as_json(fig: go.Figure) -> dict:
    """What the browser receives for ``fig``."""
    return json.loads(pio.to_json(fig.to_dict(), validate=False))


def checked(fig: go.Figure) -> go.Figure:
    """``fig``, after plotly has validated a copy of it and the copy's JSON is the same as the figure's
    (else :class:`FigureCheckError`, naming the bad property or the first difference)."""
    sent = as_json(fig)
    title = sent["layout"].get("title")
    name = repr(title.get("text") if isinstance(title, dict) else title)
    try:
        copy = go.Figure(fig.to_dict())
    except ValueError as err:
        raise FigureCheckError(f"plotly rejects the figure {name}: {err}") from err
    where = first_difference(as_json(copy), sent)
    if where is not None:
        raise FigureCheckError(f"plotly's checks change the figure {name} at {where}")
    return fig


def check(fig: go.Figure) -> go.Figure:
    """:func:`checked` in the tests (``GENLAB_CHECK_FIGURES`` set), else ``fig`` as it is: call it on every
    figure a page draws."""
    return checked(fig) if CHECK else fig


def first_difference(a, b, path: str = "") -> str | None:
    """The path of the first place where two JSON values differ (None if they are equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            found = first_difference(a.get(key), b.get(key), f"{path}.{key}")
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return next((f for i, (x, y) in enumerate(zip(a, b)) if (f := first_difference(x, y, f"{path}[{i}]"))), None)
    return None if a == b else f"{path}: {str(a)[:80]} / {str(b)[:80]}"
