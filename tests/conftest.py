"""Tests run models in this process too (core tests, the CLI): one torch thread, as in a worker. Every
figure a page draws is checked by plotly, which the live builders skip (dashboard/fastfig.py)."""

import os

os.environ["GENLAB_CHECK_FIGURES"] = "1"  # before dashboard.fastfig is imported

import torch  # noqa: E402

torch.set_num_threads(1)
