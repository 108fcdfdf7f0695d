"""Colours and a plotly template that read well on a 1280x720 projector.

Large fonts, thick lines, a white background, and a colour-blind-safe palette (Okabe-Ito) in
which class 0 is orange and class 1 blue everywhere in the app.
"""

from __future__ import annotations

import importlib

import plotly.graph_objects as go
import plotly.io as pio

PALETTE = ["#E69F00", "#0072B2", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000",
           "#999999", "#882255"]
TRAIN_COLOUR, TEST_COLOUR = "#0072B2", "#D55E00"
# probability of class 1, from orange (class 0) through white to blue (class 1)
DIVERGING = [[0.0, "#E69F00"], [0.5, "#FFFFFF"], [1.0, "#0072B2"]]
UNIT_SCALE = [[0.0, "#E69F00"], [0.5, "#F7F7F7"], [1.0, "#0072B2"]]
FONT_SIZE = 16

pio.templates["genlab"] = go.layout.Template(
    layout=go.Layout(
        font=dict(size=FONT_SIZE, family="Source Sans Pro, Arial, sans-serif", color="#1a1a1a"),
        title=dict(font=dict(size=FONT_SIZE + 2), x=0.02, xanchor="left"),
        colorway=PALETTE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin=dict(l=55, r=15, t=45, b=45),
        xaxis=dict(showgrid=True, gridcolor="#e5e5e5", zeroline=False, linecolor="#444", ticks="outside"),
        yaxis=dict(showgrid=True, gridcolor="#e5e5e5", zeroline=False, linecolor="#444", ticks="outside"),
        legend=dict(font=dict(size=FONT_SIZE - 2), bgcolor="rgba(255,255,255,0.8)"),
        hoverlabel=dict(font_size=FONT_SIZE - 2),
    )
)
TEMPLATE = "genlab"
# Every figure takes it as plotly's default template, not as ``layout.template``: a template named in a
# figure's layout is validated and copied each time (1.2 ms of CPU per figure, at every poll of every chart),
# the default is set without validation (0.16 ms); the figure's JSON is the same. Streamlit sets its own
# default when its plotly module loads, so that module is loaded first.
importlib.import_module("streamlit.elements.plotly_chart")
pio.templates.default = TEMPLATE
