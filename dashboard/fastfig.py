"""Plotly figures and traces built without plotly's check of every property.

``go.Figure``, ``go.Scatter`` and ``go.Heatmap`` validate each property they are given and copy every
array into a read-only one; a live view rebuilds its figures at every poll of every student's page, and
that check was half of the GAN page's figure-building time (16.5 ms against 6.7 ms for its six live
figures, the same JSON). The builders of the live figures (``dashboard/figures.py``,
``fig_samples.py``, ``fig_gan.py``) use these instead. What the check would have caught is caught in
the tests: with ``GENLAB_CHECK_FIGURES`` set (``tests/conftest.py`` sets it), ``dashboard.layout.chart``
rebuilds every figure a page draws with plotly's checks and requires the same JSON (:func:`checked`), so
every AppTest of every page checks the figures it draws.
"""

from __future__ import annotations

import json
import os
from functools import partial

import plotly.graph_objects as go
import plotly.io as pio

Figure = partial(go.Figure, _validate=False)
Scatter = partial(go.Scatter, _validate=False)
Heatmap = partial(go.Heatmap, _validate=False)

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
