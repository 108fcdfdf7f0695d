"""Figure builders for Gaussians and Gaussian mixtures: pure functions, arrays in, plotly figures out.

1D: a histogram of the data (as a density) with the fitted curves. 2D: the data with the 1σ and 2σ
ellipses of every component (the points at Mahalanobis distance 1 and 2), and density contours.
Points are coloured by their responsibilities: each point is drawn in every component's colour with
opacity r_ik, so a point shared by two components shows a blend.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from dashboard import fastfig as fast
from dashboard.fig_samples import REAL_COLOUR, bounds_of, square_figure, square_layout
from dashboard.figures import empty_figure, thin
from dashboard.legends import title_and_legend
from dashboard.relayout import merged
from dashboard.theme import PALETTE

def component_colour(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def ellipse(mean: np.ndarray, cov: np.ndarray, n_std: float, m: int = 72) -> np.ndarray:
    """(m, 2) points of {x : (x-μ)ᵀ Σ⁻¹ (x-μ) = n_std²}: μ + n_std · L (cos t, sin t), Σ = L Lᵀ."""
    lam, u = np.linalg.eigh(np.asarray(cov, float))
    t = np.linspace(0, 2 * np.pi, m)
    circle = np.stack([np.cos(t), np.sin(t)], 1)  # (m, 2)
    return np.asarray(mean, float) + n_std * circle @ (u * np.sqrt(np.maximum(lam, 0))).T


def responsibility_traces(xy: np.ndarray, resp: np.ndarray, size: int = 6, min_r: float = 0.02) -> list[go.Scatter]:
    """The points once per component, in its colour with opacity r_ik: a shared point shows a blend.

    (Numeric opacities keep the figure cheap; one rgb string per point makes plotly validate each.)
    """
    traces = []
    xy, resp = thin(xy, resp)
    for k in range(resp.shape[1]):
        keep = resp[:, k] > min_r
        traces.append(fast.Scatter(x=xy[keep, 0], y=xy[keep, 1], mode="markers", name=f"r·{k + 1}",
                                   showlegend=False, hoverinfo="skip",
                                   marker=dict(size=size, color=component_colour(k), opacity=resp[keep, k],
                                               line=dict(width=0))))
    return traces


def _ellipse_traces(means: np.ndarray, covs: np.ndarray, weights: np.ndarray | None, colours: list[str],
                    names: list[str], legend: str | None = None) -> list[go.Scatter]:
    """Per component one line trace (its 1σ and 2σ ellipses), and one marker trace for all the means;
    ``legend``: the first component's ellipses listed in the legend under that name."""
    gap = np.full((1, 2), np.nan)
    traces = []
    for k, (mu, cov) in enumerate(zip(means, covs)):
        e = np.concatenate([ellipse(mu, cov, 1), gap, ellipse(mu, cov, 2)])
        width = 3 if weights is None else 1.5 + 6 * float(weights[k]) ** 0.7
        listed = legend is not None and k == 0
        traces.append(fast.Scatter(x=e[:, 0], y=e[:, 1], mode="lines", hoverinfo="skip",
                                   name=legend if listed else names[k], showlegend=listed,
                                   line=dict(color=colours[k], width=width)))
    traces.append(fast.Scatter(x=means[:, 0], y=means[:, 1], mode="markers", name="means μ_k", showlegend=False,
                               text=names, hovertemplate="%{text}: μ = (%{x:.2f}, %{y:.2f})<extra></extra>",
                               marker=dict(symbol="x-thin", size=14, line=dict(width=3, color=colours))))
    return traces


def _density_grid(bounds, weights, means, covs, g: int = 70):
    from core.gmm import GaussianMixture  # core never imports dashboard; this direction is allowed

    gx = np.linspace(bounds[0], bounds[1], g)
    gy = np.linspace(bounds[2], bounds[3], g)
    pts = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
    lj = GaussianMixture(weights, means, covs).log_joint(pts)  # (g², K)
    return gx, gy, np.exp(lj).sum(1).reshape(g, g)


def gaussian_2d(x: np.ndarray, mean: np.ndarray, cov: np.ndarray, title: str, *, seen: int | None = None,
                height: int = 430) -> go.Figure:
    """The data, the fitted density's contours, and its 1σ and 2σ ellipses."""
    bounds = bounds_of(x, ellipse(mean, cov, 2.2))
    gx, gy, z = _density_grid(bounds, np.ones(1), mean[None], cov[None])
    traces = [fast.Contour(x=gx, y=gy, z=z, showscale=False, ncontours=10, hoverinfo="skip", opacity=0.55,
                           colorscale=[[0, "rgba(255,255,255,0)"], [1, "#56B4E9"]],
                           contours=dict(coloring="fill", showlines=False))]
    used = x if seen is None else x[:seen]
    if seen is not None and seen < len(x):
        (rest,) = thin(x[seen:])
        traces.append(fast.Scatter(x=rest[:, 0], y=rest[:, 1], mode="markers", name="not yet seen",
                                   marker=dict(size=4, color="#dddddd")))
    (shown,) = thin(used)
    traces.append(fast.Scatter(x=shown[:, 0], y=shown[:, 1], mode="markers", name="data",
                               marker=dict(size=5, color=REAL_COLOUR, opacity=0.7)))
    traces += _ellipse_traces(mean[None], cov[None], None, ["#0072B2"], ["N(μ, Σ)"], legend="1σ and 2σ ellipses")
    return square_figure(traces, title, bounds, height)


def _hist_range(x: np.ndarray, means: np.ndarray, sds: np.ndarray) -> tuple[float, float]:
    lo = min(float(x.min()), float((means - 3 * sds).min()))
    hi = max(float(x.max()), float((means + 3 * sds).max()))
    pad = 0.05 * (hi - lo) + 1e-9
    return lo - pad, hi + pad


def _normal_pdf(t: np.ndarray, mu: float, var: float) -> np.ndarray:
    return np.exp(-0.5 * (t - mu) ** 2 / var) / np.sqrt(2 * np.pi * var)


def _title_and_legend(traces, title: str) -> dict:
    """The title, and the legend of the listed ``traces`` (a figure's ``data``) beside it or in rows of their own under it: the
    1D figures' legend at the top right ran over their titles in the page's columns (1280 px, presenter mode)."""
    return title_and_legend(title, [t.name for t in traces if t.showlegend is not False])


def _figure_1d(traces: list, title: str, x_title: str, x_range: tuple[float, float], height: int,
               **layout) -> go.Figure:
    """A 1D live figure built with its layout at once (no ``add_trace``, ``add_vline`` or ``update_*`` passes
    after it, each of which plotly checks and copies again), titled and with its legend as
    :func:`_title_and_legend` places them."""
    return fast.Figure(data=traces, layout=dict(
        height=height, bargap=0.02, xaxis=dict(title=dict(text=x_title), range=list(x_range)),
        **merged(dict(yaxis=dict(title=dict(text="density"))), layout), **_title_and_legend(traces, title)))


def _vlines(at: list[tuple[float, str]], colour: str) -> list[dict]:
    """Vertical lines across the plot at each (x, dash) of ``at`` (what ``fig.add_vline`` adds, as shapes
    given at once)."""
    return [dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain",
                 line=dict(color=colour, width=1.5, dash=dash)) for x, dash in at]


def gaussian_1d(x: np.ndarray, mean: float, var: float, title: str, x_title: str = "x", *,
                seen: int | None = None, height: int = 430) -> go.Figure:
    """A histogram of the data as a density, with the fitted N(μ, σ²) and its μ ± σ, μ ± 2σ. ``x``: (N,) or
    the page's (N, 1) points, drawn as one column (a histogram of (N, 1) reached the browser as N one-element
    lists, which plotly drew as one bar of density 1 on a category axis)."""
    x = np.asarray(x, dtype=float).reshape(-1)
    used = x if seen is None else x[:seen]
    sd = np.sqrt(var)
    lo, hi = _hist_range(x, np.array([mean]), np.array([sd]))
    t = np.linspace(lo, hi, 300)
    traces = [fast.Histogram(x=used, histnorm="probability density", name="data", marker_color=REAL_COLOUR,
                             opacity=0.6, nbinsx=40),
              fast.Scatter(x=t, y=_normal_pdf(t, mean, var), mode="lines", name="N(μ, σ²)",
                           line=dict(color="#0072B2", width=3))]
    at = [(mean + s * n_std * sd, dash) for n_std, dash in ((1, "solid"), (2, "dash")) for s in (-1, 1)]
    return _figure_1d(traces, title, x_title, (lo, hi), height, shapes=_vlines(at, "#0072B2"))


def mixture_2d(x: np.ndarray, resp: np.ndarray, weights: np.ndarray, means: np.ndarray, covs: np.ndarray,
               title: str, height: int = 470) -> go.Figure:
    """Points coloured by their responsibilities; every component's 1σ (inner) and 2σ (outer) ellipse."""
    k = len(weights)
    colours = [component_colour(j) for j in range(k)]
    names = [f"k={j + 1} (π={weights[j]:.2f})" for j in range(k)]
    traces = responsibility_traces(x, resp) + _ellipse_traces(means, covs, weights, colours, names)
    return square_figure(traces, title, bounds_of(x), height)


def mixture_1d(x: np.ndarray, resp: np.ndarray, weights: np.ndarray, means: np.ndarray, covs: np.ndarray,
               title: str, x_title: str = "x", height: int = 470) -> go.Figure:
    """Histogram of the data, each π_k N(x | μ_k, σ_k²), their sum p_θ(x), and the points coloured by r_ik."""
    x1, mu, var = x[:, 0], means[:, 0], covs[:, 0, 0]
    lo, hi = _hist_range(x1, mu, np.sqrt(var))
    t = np.linspace(lo, hi, 400)
    parts = weights[:, None] * _normal_pdf(t[None], mu[:, None], var[:, None])  # (K, 400)
    traces = [fast.Histogram(x=x1, histnorm="probability density", name="data", marker_color="#cccccc", nbinsx=50)]
    traces += [fast.Scatter(x=t, y=curve, mode="lines", name=f"π{j + 1}·N", line=dict(
        color=component_colour(j), width=2 + 4 * float(weights[j]) ** 0.7)) for j, curve in enumerate(parts)]
    traces.append(fast.Scatter(x=t, y=parts.sum(0), mode="lines", name="p_θ(x)", line=dict(color="#000", width=3)))
    top = float(parts.sum(0).max())
    jitter = np.random.default_rng(0).uniform(-0.06, -0.02, len(x1)) * top
    traces += responsibility_traces(np.c_[x1, jitter], resp, size=5)
    return _figure_1d(traces, title, x_title, (lo, hi), height,
                      yaxis=dict(range=[-0.08 * top, 1.15 * max(top, 1e-12)]))


def samples_by_component(samples: np.ndarray, comps: np.ndarray, k: int, title: str, x_title: str = "x",
                         data: np.ndarray | None = None, height: int = 430) -> go.Figure:
    """Samples of the fitted mixture, each coloured by the component that produced it."""
    if samples.shape[1] == 1:
        fig = go.Figure(layout=dict(title=title, height=height))
        for j in range(k):
            fig.add_trace(go.Histogram(x=samples[comps == j, 0], name=f"k={j + 1}", nbinsx=50,
                                       marker_color=component_colour(j), opacity=0.85))
        fig.update_layout(barmode="stack", bargap=0.02, **_title_and_legend(fig.data, title))
        fig.update_xaxes(title=x_title)
        fig.update_yaxes(title="count")
        return fig
    fig = go.Figure(layout=dict(title=title))
    if data is not None:
        fig.add_trace(go.Scatter(x=data[:, 0], y=data[:, 1], mode="markers", name="data",
                                   marker=dict(size=4, color="#dddddd")))
    for j in range(k):
        s = samples[comps == j]
        fig.add_trace(go.Scatter(x=s[:, 0], y=s[:, 1], mode="markers", name=f"k={j + 1}",
                                   marker=dict(size=4, color=component_colour(j), opacity=0.8)))
    return square_layout(fig, bounds_of(data if data is not None else samples, samples), height)


def samples_1d(data: np.ndarray, samples: np.ndarray, title: str, x_title: str = "x",
               height: int = 430) -> go.Figure:
    """Histograms of the data and of samples from the fit, overlaid."""
    fig = go.Figure(layout=dict(title=title, height=height))
    fig.add_trace(go.Histogram(x=data[:, 0], name="data", histnorm="probability density", nbinsx=40,
                               marker_color=REAL_COLOUR, opacity=0.55))
    fig.add_trace(go.Histogram(x=samples[:, 0], name="samples", histnorm="probability density", nbinsx=40,
                               marker_color="#D55E00", opacity=0.55))
    fig.update_layout(barmode="overlay", **_title_and_legend(fig.data, title))
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(title="density")
    return fig


def criteria_figure(k: np.ndarray, bic: np.ndarray, aic: np.ndarray, k_max: int, height: int = 380) -> go.Figure:
    """BIC and AIC against K; the best K of each is a large marker."""
    if not len(k):
        return empty_figure("Press ▶ Play: the sweep fits K = 1, 2, … and draws BIC and AIC", height)
    fig = go.Figure(layout=dict(height=height, title="Choosing K: lower is better"))
    for name, y, colour in (("BIC", bic, "#0072B2"), ("AIC", aic, "#D55E00")):
        keep = np.isfinite(y)
        fig.add_trace(go.Scatter(x=k[keep], y=y[keep], mode="lines+markers", name=name,
                                 line=dict(color=colour, width=3), marker=dict(size=8)))
        if keep.any():
            best = int(np.argmin(np.where(keep, y, np.inf)))
            fig.add_trace(go.Scatter(x=[k[best]], y=[y[best]], mode="markers", name=f"best K by {name}",
                                     showlegend=False, marker=dict(size=18, color=colour, symbol="star")))
    fig.update_xaxes(title="K (components)", range=[0.5, k_max + 0.5], dtick=1)
    fig.update_yaxes(title="criterion")
    fig.update_layout(legend=dict(orientation="h", y=1.02, yanchor="bottom", x=1, xanchor="right"))
    return fig


def spike_trace_figure(trace: dict[str, np.ndarray], sample_hz: int, threshold: float, *, window_s: float = 0.4,
                       height: int = 230) -> go.Figure:
    """The first ``window_s`` seconds of a recording (``core.gmm_data.spike_trace``): the voltage, the
    detector's threshold, and each detected peak coloured by the neuron that fired it (the truth the
    mixture has to find without being told)."""
    end = int(window_s * sample_hz)
    v = trace["v"][:end]
    fig = go.Figure(layout=dict(height=height))
    fig.add_trace(go.Scatter(x=np.arange(len(v)) * 1000 / sample_hz, y=v, mode="lines", name="electrode",
                             line=dict(color="#888888", width=1), hoverinfo="skip"))
    fig.add_hline(y=threshold, line=dict(color="#444444", dash="dot", width=1),
                  annotation_text="threshold", annotation_position="top left")
    peaks = trace["peak_at"][trace["peak_at"] < end]
    fired = np.searchsorted(trace["spike_at"], peaks, side="right") - 1  # the last spike before each peak
    who = trace["neuron"][np.clip(fired, 0, None)]
    for k in np.unique(who):
        at = peaks[who == k]
        fig.add_trace(go.Scatter(x=at * 1000 / sample_hz, y=trace["v"][at], mode="markers", name=f"neuron {k + 1}",
                                 marker=dict(color=component_colour(int(k)), size=8)))
    fig.update_xaxes(title="time (ms)")
    fig.update_yaxes(title="µV")
    fig.update_layout(title="The recording the amplitudes are read from", margin=dict(t=40, b=40),
                      legend=dict(orientation="h", y=1.02, x=1, xanchor="right", yanchor="bottom"))
    return fig
