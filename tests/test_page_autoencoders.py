"""AppTest tests of the auto-encoder and VAE page."""

import json

from core.vae import latent_reference
from tests.pagetest import open_page, press, texts

PAGE = "autoencoders.py"
POINTS = {"data": "2D points"}


def _specs(at) -> str:
    """Every chart's figure JSON as one string (titles, axis names) to search in."""
    # decoded and re-encoded: whether plotly's JSON escapes "≤" as \u2264 depends on the encoder it found
    return " ".join(json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart"))


AE_KEYS = ("ae_k", "ae_w", "ae_lr")
VAE_KEYS = ("vae_k", "beta", "dec", "vae_w", "vae_lr")


def test_digits_vae_shows_latent_plane_and_sample_judge():
    at = open_page(PAGE)
    press(at, "vae_step")
    assert len(at.get("plotly_chart")) >= 12  # AE: 5; VAE: recon, samples, interpolation, codes, plane, 2 curves
    assert "Decoding the latent plane" in _specs(at) and "From a 2 to a 7" in _specs(at)
    assert any(m.label == "Classes in samples" for m in at.metric)
    assert "probabilistic PCA" in texts(at)  # the timeline's PPCA entry opens this page


def test_beta_applies_without_reset_latent_size_resets_with_notice():
    at = open_page(PAGE)
    press(at, "vae_step")
    press(at, "vae_step")
    at.select_slider(key="beta").set_value(4.0).run()
    assert "step 2 /" in texts(at)  # β applies between two steps
    at.slider(key="vae_k").set_value(8).run()
    assert "step 2 /" not in texts(at) and "reset" in texts(at)
    assert "first 2 principal axes" in _specs(at)


def test_ae_latent_size_switches_the_shown_model_without_reset():
    at = open_page(PAGE)
    press(at, "ae_step")
    press(at, "ae_step")
    at.select_slider(key="ae_k").set_value(1).run()
    assert "step 2 /" in texts(at)
    assert any(m.label == "Test MSE with k = 1" for m in at.metric)
    assert "Decoding random codes (k = 1)" in _specs(at)


def test_points_show_posteriors_and_only_a_gaussian_decoder():
    at = open_page(PAGE, POINTS)
    assert list(at.selectbox(key="dec").options) == ["Gaussian"]
    press(at, "vae_step")
    assert "Posteriors q(z|x)" in _specs(at) and "Samples x ~ p(x|z)" in _specs(at)
    assert any(m.label == "Modes captured" for m in at.metric)
    assert "Decoder spread" in texts(at)


def test_csv_target_without_upload_asks_for_one_and_trains_nothing():
    at = open_page(PAGE, {"data": "2D points", "target": "Your CSV of points (x1, x2)"})
    assert "Upload a CSV" in texts(at)
    assert not any(b.key in ("vae_play", "ae_play") for b in at.button)


def vae_metrics(at) -> dict[str, str]:
    return {m.label: str(m.value) for m in at.metric}


def test_vae_starts_from_the_trained_model_or_from_scratch_and_says_why_it_cannot():
    trained = open_page(PAGE)
    press(trained, "vae_step")  # the first step measures the model as it starts
    metrics = vae_metrics(trained)
    assert int(metrics["Classes in samples"].split(" / ")[0]) >= 9, metrics  # prior samples are digits
    assert float(metrics["Test loss"]) <= 24.5, metrics
    assert "Starting from random weights" not in texts(trained)
    scratch = open_page(PAGE, {"start": "scratch"})
    press(scratch, "vae_step")
    metrics = vae_metrics(scratch)
    assert float(metrics["Test loss"]) > 30 and float(metrics["Recognised confidently"].rstrip("%")) < 10, metrics
    for query, why in (({"vae_k": "8"}, "latent=2"), (POINTS, "data=digits")):
        other = open_page(PAGE, query)
        assert "Starting from random weights" in texts(other) and why in texts(other), query


def test_vae_shows_elbo_below_the_importance_sampled_log_p():
    at = open_page(PAGE)
    press(at, "vae_step")  # step 1 measures the sample quality and the likelihood
    specs = _specs(at)
    assert "ELBO ≤ log p(x), test set" in specs and "log p̂_K(x) rises with K" in specs
    metrics = {m.label: m for m in at.metric}
    elbo, log_p = float(metrics["Test ELBO"].value), float(metrics["log p̂₆₄(x)"].value)
    assert elbo < log_p < 0
    assert any(r"\log p_\theta(x) \;\ge\;" in x.value for x in at.latex)
    at = open_page(PAGE, POINTS)
    press(at, "vae_step")
    assert float({m.label: m for m in at.metric}["log p̂₆₄(x)"].value) > float(
        {m.label: m for m in at.metric}["Test ELBO"].value)


def _chart(at, title: str) -> dict:
    for c in at.get("plotly_chart"):
        fig = json.loads(c.proto.spec)
        if title in json.dumps(fig.get("layout", {}).get("title", ""), ensure_ascii=False):
            return fig
    raise AssertionError(f"no chart titled {title!r}")


def test_elbo_curve_legend_lies_under_the_axis_title_not_over_it():
    at = open_page(PAGE)
    press(at, "vae_step")
    legend = _chart(at, "ELBO ≤ log p(x), test set")["layout"]["legend"]
    # at the figure's foot, in the bottom margin below the step axis' ticks and title
    assert legend["yref"] == "container" and legend["y"] == 0 and legend["yanchor"] == "bottom"


def test_vae_shows_precision_and_recall_live_and_by_latent_size():
    at = open_page(PAGE, {"vae_k": "8", "beta": "0.3", "start": "scratch"})
    press(at, "vae_step")  # step 1 measures the sample quality
    metrics = {m.label: str(m.value) for m in at.metric}
    precision, recall = (float(metrics[k].rstrip("%")) / 100 for k in ("Precision", "Recall"))
    assert 0 <= recall <= 1 and 0 <= precision <= 1
    live = _chart(at, "Precision and recall of samples")
    assert {t["name"] for t in live["data"]} == {"precision", "recall"}
    by_size = _chart(at, "Precision and recall by latent size")
    stars = {t["name"]: t for t in by_size["data"] if t["name"].startswith("this run")}
    assert set(stars) == {"this run: precision", "this run: recall"}
    assert stars["this run: precision"]["x"] == stars["this run: recall"]["x"] == [8]
    assert abs(stars["this run: precision"]["y"][0] - precision) <= 0.005  # the metrics round to 1 %
    assert abs(stars["this run: recall"]["y"][0] - recall) <= 0.005
    reference = latent_reference()
    measured = [t for t in by_size["data"] if not t["name"].startswith("this run")]
    assert len(measured) == 2 * len({r["beta"] for r in reference["rows"]})  # precision and recall per β
    assert "bench/bench_vae.py" in texts(at) and "The 2D latent gives a map" in texts(at)
    assert any(r"\mathcal M(\Phi)" in x.value for x in at.latex)


def test_points_show_no_precision_and_recall():
    at = open_page(PAGE, POINTS)
    press(at, "vae_step")
    assert "Precision and recall" not in _specs(at)
    assert not any(m.label == "Recall" for m in at.metric)
