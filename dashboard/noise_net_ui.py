"""The sidebar group shared by the score and diffusion pages: their noise-conditional network's
training settings (same widgets, same URL keys, defaults from the page's config)."""

from __future__ import annotations

import streamlit as st

from dashboard import controls as ui

LR_LADDER = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)


def network_controls(default) -> tuple[int, float, int, int]:
    """(fourier, lr, batch size, seed) under a "Network and training" header; ``default`` is the config."""
    st.header("Network and training")
    fourier = ui.slider("Fourier features of x (frequencies)", "fourier", 0, 6, default.fourier,
                        help="sin and cos of 2ᵏ·x, k < this number, as extra inputs: sharper fields")
    lr = ui.log_slider("Learning rate (applies at once)", "lr", LR_LADDER, default.lr)
    batch = ui.slider("Batch size", "batch", 16, 1024, default.batch_size, 16)
    seed = ui.number("Seed", "seed", 0, 9999, 0)
    return fourier, lr, batch, seed
