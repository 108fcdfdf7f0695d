"""Changing a plotly figure's layout at a fraction of ``fig.update_layout``'s cost.

Plotly applies ``update_layout`` / ``update_xaxes`` / ``update_yaxes`` to a figure through its
batch-update machinery (a relayout per property path, validated one by one): about a millisecond per
call with a few nested settings, while the same settings given to the figure at once cost a fraction
of that. A live view redraws every figure of its page at each poll, and building figures is most of
the server's work for a class (85 % of its CPU with thirty students on the GAN page, py-spy), so
the shared builders (square plots, curves, presenter mode) set their layout in one assignment:
``relayout(fig, {...})`` deep-merges the settings into the current layout and assigns it whole, with
``update_layout``'s meaning (nested dicts merge, other values replace). The GAN page's six live
figures took 41.5 ms of CPU to build with the per-call updates and take 16.6 ms this way, with the
same JSON sent to the browser.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import plotly.io as pio


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` merged in: dicts recursively, everything else replaced (``base`` is not changed)."""
    out = dict(base)
    for key, value in changes.items():
        old = out.get(key)
        out[key] = merged(old, value) if isinstance(value, dict) and isinstance(old, dict) else value
    return out


def relayout(fig: go.Figure, changes: dict[str, Any]) -> go.Figure:
    """``fig.update_layout(changes)`` (nested dicts, no magic underscores), in one assignment. A figure on
    plotly's default template (dashboard/theme.py) is given its layout without the template, which plotly
    puts back unvalidated: assigning the template too cost 1.1 ms of the 1.3 ms."""
    current = fig.layout.to_plotly_json()
    if "template" in current and current["template"] == _default_template():
        del current["template"]
    fig.layout = merged(current, changes)
    return fig


def _default_template() -> dict[str, Any] | None:
    name = pio.templates.default
    if name not in _TEMPLATES:
        _TEMPLATES[name] = pio.templates[name].to_plotly_json() if isinstance(name, str) else None
    return _TEMPLATES[name]


_TEMPLATES: dict[Any, dict[str, Any] | None] = {}  # plotly's default template as JSON, by name


def side_by_side(titles: list[str], spacing: float = 0.06, title_size: int = 16) -> tuple[dict[str, Any],
                                                                                         list[tuple[str, str]]]:
    """``make_subplots(rows=1, cols=len(titles), subplot_titles=titles)``'s layout as one dict, without its
    per-axis updates: (layout with ``xaxis``, ``xaxis2``, ... side by side and the titles as annotations,
    each panel's (xaxis, yaxis) names for its traces: ``("x", "y")``, ``("x2", "y2")``, ...)."""
    n = len(titles)
    width = (1.0 - spacing * (n - 1)) / n
    layout: dict[str, Any] = {"annotations": []}
    axes = []
    for i, title in enumerate(titles):
        suffix = "" if i == 0 else str(i + 1)
        lo = i * (width + spacing)
        layout[f"xaxis{suffix}"] = dict(domain=[lo, lo + width], anchor=f"y{suffix}")
        layout[f"yaxis{suffix}"] = dict(domain=[0.0, 1.0], anchor=f"x{suffix}")
        layout["annotations"].append(dict(text=title, x=lo + width / 2, y=1.0, xref="paper", yref="paper",
                                          xanchor="center", yanchor="bottom", showarrow=False, font=dict(size=title_size)))
        axes.append((f"x{suffix}", f"y{suffix}"))
    return layout, axes


def hline(y: float, text: str, colour: str = "#888") -> tuple[dict[str, Any], dict[str, Any]]:
    """``fig.add_hline(y, annotation_text=text)`` as a (shape, annotation) pair for a layout's lists."""
    return (dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=y, y1=y, line=dict(dash="dash", color=colour)),
            dict(text=text, xref="x domain", x=1, xanchor="right", yref="y", y=y, yanchor="bottom", showarrow=False))


def vline(x: float, line: dict[str, Any]) -> dict[str, Any]:
    """``fig.add_vline(x, line=line)`` as a shape for a layout's list."""
    return dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=line)
