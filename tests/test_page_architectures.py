"""AppTest tests of the architectures page (CNN against MLP on 8x8 digits)."""

from __future__ import annotations

from tests.pagetest import open_page, press, status, step_of, texts, wait_until
from tests.test_page_capacity import chart

PAGE = "architectures.py"


def metric(at, start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(start))


def test_shift_toggle_shows_the_cnn_is_more_robust():
    at = open_page(PAGE)
    press(at, "cnn_play")
    wait_until(at, lambda a: step_of(status(a)) >= 300, "300 steps")
    press(at, "cnn_play")  # pause, so both views show the same model
    trained = step_of(status(at))
    plain = {k: float(metric(at, f"{k}: accuracy on test digits").rstrip("%")) for k in ("CNN", "MLP")}
    at.toggle(key="shift").set_value(True).run()
    shifted = {k: float(metric(at, f"{k}: accuracy on shifted test digits").rstrip("%")) for k in ("CNN", "MLP")}
    assert plain["CNN"] > 90 and plain["MLP"] > 85
    assert plain["MLP"] - shifted["MLP"] > plain["CNN"] - shifted["CNN"]  # the MLP loses more to one pixel
    assert step_of(status(at)) == trained and "reset" not in texts(at)  # a display toggle: no reset
    titles = [chart(at, k)["layout"]["title"]["text"] for k in ("cnn_wrong", "mlp_wrong", "filters")]
    assert "CNN mistakes" in titles[0] and "MLP mistakes" in titles[1] and "3×3 filters" in titles[2]


def test_learning_rate_applies_without_reset_other_changes_reset():
    at = open_page(PAGE)
    press(at, "cnn_step")
    press(at, "cnn_step")
    at.select_slider(key="lr").set_value(0.001).run()
    assert "step 2 /" in texts(at)
    at.slider(key="ch").set_value(4).run()
    assert "step 0 /" in texts(at) and "reset" in texts(at)


def test_other_architectures_section():
    at = open_page(PAGE)
    page = texts(at)
    for word in ("Graph neural networks", "LSTM", "GRU", "Transformers"):
        assert word in page
    link = next(link.proto for link in at.get("page_link"))  # the text topic is built: a link, not "(coming)"
    assert link.page == "text" and link.label.startswith("Text generation")

SCRATCH = {"start": "scratch"}


def test_starts_from_the_trained_model_or_from_scratch_and_says_why_it_cannot():
    trained = open_page(PAGE)  # step 0: the shipped checkpoint's accuracy, before any training
    assert step_of(status(trained)) == 0
    assert float(metric(trained, "CNN: accuracy on test digits").rstrip("%")) >= 95
    assert float(metric(trained, "MLP: accuracy on test digits").rstrip("%")) >= 90
    scratch = open_page(PAGE, SCRATCH)
    assert float(metric(scratch, "CNN: accuracy on test digits").rstrip("%")) < 30  # random weights: chance
    other = open_page(PAGE, {"ch": "4"})
    assert "Starting from random weights" in texts(other) and "channels=8" in texts(other)
    assert float(metric(other, "CNN: accuracy on test digits").rstrip("%")) < 30
