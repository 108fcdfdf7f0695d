"""Where a figure's legend goes, so that it never runs into the title, the axis titles or the tick labels.

Plotly places a legend in fractions of the plot's size, while titles, ticks and legend rows have sizes in
pixels; a page also draws a figure smaller than it was built for (presenter mode, a narrow column). So the
rooms here are made in pixels, from the texts' lengths and the legend's entries.
"""

from __future__ import annotations

import math
from typing import Sequence

import plotly.graph_objects as go

LISTED = {"scatter", "scattergl", "bar"}  # trace types plotly lists in the legend unless told otherwise


def legend_below(fig: go.Figure, axis_px: int = 50, row_px: int = 28, columns: int = 2) -> go.Figure:
    """``fig`` with its legend under the plot, in ``columns`` columns of equal width, at the figure's bottom
    edge, the bottom margin made room for its rows and for the x axis's ticks and title above them
    (``axis_px``): a legend placed a share of the plot's height below it (``y=-0.2``) ran into the axis
    title or the tick labels whenever the figure was drawn smaller than it was built for."""
    entries = sum(1 for t in fig.data if t.name and (t.showlegend or t.showlegend is None and t.type in LISTED))
    fig.update_layout(legend=dict(orientation="h", yref="container", y=0, yanchor="bottom", x=0, xanchor="left",
                                  entrywidthmode="fraction", entrywidth=1 / columns),
                      margin=dict(b=axis_px + row_px * math.ceil(entries / columns)))
    return fig


NARROW_PX = 380  # the narrowest column a curve figure sits in at 1280 px (the energy page's right column)
TITLE_CHAR_PX, LEGEND_CHAR_PX, LEGEND_ITEM_PX, LEGEND_ROW_PX = 12, 10, 40, 26  # at presenter mode's fonts


def title_and_legend(title: str, labels: Sequence[str]) -> dict:
    """Layout for a title at the top left and a horizontal legend of ``labels`` (none: no legend shown).
    Both share the top margin's row when they fit side by side in a narrow column at presenter mode's font
    sizes (estimated from their lengths); otherwise the legend gets rows of its own under the title, the
    top margin grows by them (two at most), and the plot area shrinks instead of the texts overlapping."""
    legend_px = sum(LEGEND_ITEM_PX + LEGEND_CHAR_PX * len(label) for label in labels)
    if not labels or TITLE_CHAR_PX * len(title) + legend_px <= NARROW_PX:
        return dict(title=dict(text=title), legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    # two rows at most: a kept run's four long lines in a narrow column may need three, and reach the title's row
    rows = min(2, math.ceil(legend_px / NARROW_PX))
    return dict(title=dict(text=title, yref="container", y=1, yanchor="top", pad=dict(t=10)),
                legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0, xanchor="left"),
                margin=dict(t=45 + LEGEND_ROW_PX * rows))
