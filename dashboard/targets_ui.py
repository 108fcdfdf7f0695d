"""The sidebar picker of a 2D target, shared by every generative page.

``target, key = target_picker()`` shows the target's select box (URL key ``target``), its spread
(``spread``) and, for "Your CSV", an uploader. A bad upload shows a clear error and keeps the
last good one. ``key`` changes exactly when the data changes: pass it in the job's reset key.
"""

from __future__ import annotations

from typing import Hashable

import streamlit as st

from core.targets2d import TARGET_LABELS, TARGET_NAMES, Target2D, make_target, points_from_csv
from dashboard import controls as ui

CSV = "csv"
_STATE = "_genlab_points"  # the session's last good upload: (digest, Target2D)
SPREADS = (0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5)


def target_picker(default: str = "ring", names: tuple[str, ...] = TARGET_NAMES,
                  allow_csv: bool = True, default_spread: float = 0.05) -> tuple[Target2D | None, Hashable]:
    """The chosen target (None while no CSV has been uploaded) and its reset key."""
    options = (*names, CSV) if allow_csv else tuple(names)
    name = ui.select("Target distribution", "target", options, default,
                     format_func=lambda n: "Your CSV of points (x1, x2)" if n == CSV else TARGET_LABELS[n])
    if name == CSV:
        kept = ui.kept_upload("CSV with two numeric columns (or x1, x2)", "target_file", points_from_csv,
                              _STATE, "points")
        if kept is None:
            st.info("Upload a CSV of 2D points to learn them.", icon=":material/upload_file:")
            return None, (CSV, None)
        return kept[1], (CSV, kept[0])
    spread = ui.log_slider("Spread (std of each mode, or noise)", "spread", SPREADS, default_spread)
    return make_target(name, spread), (name, spread)
