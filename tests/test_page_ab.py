"""A/B on every page (issue 12): "Keep this run's curves" pins a run, drawn faded under the next one's.

Every job whose curves a page draws offers Keep in its Save menu; after Keep and Reset, the chart that
draws its curves holds the kept run's traces ("… (kept run)"), before the new run's first step too.
Jobs without curves do not offer Keep. Also: the trained pages draw their curves on arrival.
"""

from __future__ import annotations

import pytest

from tests.pagetest import open_page, poll, press, wait_until
from tests.test_page_capacity import chart
from tests.test_pages_common import DEMOS, GAN_SMALL, SCORE_SMALL


def trace_names(at, key: str) -> list[str]:
    return [t.get("name", "") for t in chart(at, key).get("data", [])]


def kept_names(at, key: str) -> list[str]:
    return [n for n in trace_names(at, key) if n.endswith("(kept run)")]


def live_points(at, key: str) -> int:
    """Points of the chart's live traces (not the kept run's, not reference lines without a name)."""
    data = chart(at, key).get("data", [])
    return sum(len(t.get("x", [])) if isinstance(t.get("x"), list) else 1
               for t in data if t.get("name") and not t["name"].endswith("(kept run)"))


# page, URL query (cheap settings), job, the key of a chart with its curves, Play (not Step) for a first point
KEEPS = [
    ("architectures.py", {}, "cnn", "cnn_acc", False),
    ("arena.py", {"budget": "training steps per family", "steps": "250"}, "arena", "arena_energy", True),
    ("autoencoders.py", {}, "ae", "ae_curves", False),
    ("autoencoders.py", {}, "vae", "vae_rec_curve", False),
    ("beyond.py", {"demo": DEMOS["outlier"]}, "outlier", "o_ll", False),
    ("beyond.py", {"demo": DEMOS["denoise"]}, "denoise", "d_err", False),
    ("beyond.py", {"demo": DEMOS["restore"]}, "restore", "r_err", False),
    ("beyond.py", {"demo": DEMOS["estimate"]}, "estimate", "e_err", False),
    ("capacity.py", {}, "overfit", "of_loss", False),
    ("classification.py", {}, "classify", "loss", False),
    ("data_vs_rules.py", {}, "rules", "acc", False),
    ("diffusion.py", {"T": "20", "ssteps": "5"}, "ddpm", "loss", False),
    ("energy.py", {"grid": "32"}, "energy", "nll", False),
    ("flow_matching.py", {"batch": "64", "width": "32"}, "flow", "loss", False),
    ("gan.py", GAN_SMALL, "gan", "losses", False),
    ("gan_vs_vae.py", {}, "gvv_gan", "gan_curves", False),
    ("gan_vs_vae.py", {}, "gvv_vae", "vae_curves", False),
    ("gaussians.py", {"n": "100"}, "gmm", "em_ll", False),
    ("optimisation.py", {}, "linreg", "lin_loss", False),
    ("optimisation.py", {}, "mlp1d", "mlp_loss", False),
    ("score.py", SCORE_SMALL, "score", "loss", False),
    ("text.py", {}, "text", "loss", False),
]

NO_CURVES = [  # jobs whose page draws no curves of theirs against training (or keeps its own comparison)
    ("beyond.py", {"demo": DEMOS["abc"]}, "abc"),
    ("capacity.py", {}, "capacity"),  # the U curve keeps the previous sweep by itself
    ("energy.py", {"grid": "32"}, "langevin"),
    ("flow_matching.py", {"batch": "64", "width": "32"}, "flowcmp"),
    ("gaussians.py", {"n": "100"}, "gauss"),
    ("gaussians.py", {"n": "100"}, "gmm_sweep"),
    ("score.py", SCORE_SMALL, "mixture"),
]


def _ids(rows):
    return [f"{row[0].removesuffix('.py')}-{row[2]}" for row in rows]


@pytest.mark.parametrize("page, query, job, key, play", KEEPS, ids=_ids(KEEPS))
def test_keep_draws_the_kept_run_under_the_next_one(page, query, job, key, play):
    at = open_page(page, query)
    assert any(b.key == f"{job}_keep" for b in at.button), f"{job}: no Keep button"
    if play:  # a first measurement takes more than a step
        press(at, f"{job}_play")
        wait_until(at, lambda a: live_points(a, key) > 0, f"{job}: curves in {key}")
        press(at, f"{job}_play")
    else:
        press(at, f"{job}_step")
        press(at, f"{job}_step")
    assert live_points(at, key) > 0, trace_names(at, key)
    assert not kept_names(at, key)
    press(at, f"{job}_keep")
    press(at, f"{job}_reset")
    poll(at)
    assert kept_names(at, key), (job, trace_names(at, key))  # the new run has no step yet: the kept run alone
    assert any(b.key == f"{job}_forget" for b in at.button) and not any(b.key == f"{job}_keep" for b in at.button)
    press(at, f"{job}_step")
    names = trace_names(at, key)
    assert kept_names(at, key) and len(names) > len(kept_names(at, key)), names  # both runs, on the same axes
    press(at, f"{job}_forget")
    assert not kept_names(at, key)


@pytest.mark.parametrize("page, query, job", NO_CURVES, ids=_ids(NO_CURVES))
def test_a_job_without_curves_offers_no_keep(page, query, job):
    at = open_page(page, query)
    assert any(b.key == f"{job}_play" for b in at.button), f"{job}: not on the page"
    assert not any(b.key == f"{job}_keep" for b in at.button)


@pytest.mark.parametrize("page, key, series", [
    ("architectures.py", "cnn_acc", "test"),
    ("autoencoders.py", "vae_rec_curve", "test"),
    ("autoencoders.py", "vae_logp_curve", "ELBO"),
    ("text.py", "loss", "validation"),
], ids=["architectures", "autoencoders-recon", "autoencoders-elbo", "text"])
def test_a_trained_model_draws_its_curves_on_arrival(page, key, series):
    at = open_page(page)  # starts from the shipped checkpoint; no Play, no Step
    assert "step 0 /" in " ".join(str(m.value) for m in at.markdown if "server:" in str(m.value))
    data = {t.get("name"): t for t in chart(at, key).get("data", [])}
    assert series in data, list(data)
    assert live_points(at, key) > 0
