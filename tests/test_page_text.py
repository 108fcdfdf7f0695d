"""AppTest tests of the text-generation page."""

import json

from tests.pagetest import errors, open_page, press, status, texts, wait_until

PAGE = "text.py"
POEM = ("Whose woods these are I think I know.\nHis house is in the village though;\n"
        "He will not see me stopping here\nTo watch his woods fill up with snow.\n") * 3


def chart_text(at) -> str:
    # decoded and re-encoded: whether plotly's JSON escapes "≤" as \u2264 depends on the encoder it found
    return " ".join(json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart"))


def test_pasted_text_empty_one_character_binary_then_good_then_bad_keeps_the_good():
    at = open_page(PAGE, {"corpus": "Your own text (paste it)"})
    assert "Paste a text" in texts(at)
    for bad, words in (("x", "one character"), ("\x00\x01\x02\x03" * 100, "binary"), ("     ", "empty")):
        at.text_area(key="text_paste").set_value(bad).run()
        assert any(words in e for e in errors(at)), (bad[:5], errors(at))
    at.text_area(key="text_paste").set_value(POEM).run()
    assert not errors(at)
    press(at, "text_step")
    assert "step 1 /" in texts(at) and f"Vocabulary: {len(set(POEM))} characters" in texts(at)
    at.text_area(key="text_paste").set_value("é").run()
    assert any("kept" in e for e in errors(at))
    assert "step 1 /" in texts(at)  # the good text and its model are kept


def test_prompt_bars_sampling_and_lr_apply_without_reset():
    at = open_page(PAGE)
    press(at, "text_step")
    press(at, "text_step")
    at.text_input(key="prompt").set_value("Sir Walte").run()
    assert "Sir Walte" in chart_text(at)
    at.slider(key="temp").set_value(0.0).run()
    at.slider(key="topk").set_value(3).run()
    at.select_slider(key="lr").set_value(0.01).run()
    assert "step 2 /" in texts(at)  # none of these resets the model
    assert "τ = 0" in texts(at) and "top 3" in texts(at)
    sample = at.code[0].value
    assert sample.startswith("Sir Walte")
    at.text_input(key="prompt").set_value("Anne ü").run()
    assert any("left out of the prompt" in str(w.value) for w in at.warning)
    at.select_slider(key="width").set_value(16).run()
    assert "step 0 /" in texts(at) and "reset" in texts(at)


def test_bigram_counts_the_text_and_meets_its_baseline():
    at = open_page(PAGE, {"model": "Bigram counts (Markov chain)"})
    press(at, "text_play")
    wait_until(at, lambda a: "finished" in status(a), "the counts' end")
    metrics = {m.label: m.value for m in at.metric}
    assert abs(float(metrics["Validation loss"]) - float(metrics["Bigram baseline"])) < 0.1


def validation_and_baseline(at) -> tuple[float, float]:
    metrics = {m.label: m.value for m in at.metric}
    return float(metrics["Validation loss"]), float(metrics["Bigram baseline"])


def test_starts_from_the_trained_gru_or_from_scratch_and_says_why_it_cannot():
    trained = open_page(PAGE)
    press(trained, "text_step")  # the first step measures the model as it starts
    val, bigram = validation_and_baseline(trained)
    assert val <= bigram - 0.5, (val, bigram)  # far better than counting pairs: trained
    assert "Starting from random weights" not in texts(trained)
    scratch = open_page(PAGE, {"start": "scratch"})
    press(scratch, "text_step")
    val, bigram = validation_and_baseline(scratch)
    assert val > bigram + 1.0, (val, bigram)  # near the uniform loss log(75)
    for query, why in (({"width": "32"}, "width=64"), ({"corpus": "Your own text (paste it)"}, "corpus=persuasion")):
        other = open_page(PAGE, query)
        if "corpus" in query:
            other.text_area(key="text_paste").set_value(POEM).run()
        assert "Starting from random weights" in texts(other) and why in texts(other), query


def test_memorisation_check_beside_the_sample():
    at = open_page(PAGE, {"model": "bigram"})
    press(at, "text_step")
    shown = texts(at)
    assert "Memorisation check" in shown and "the held-out end of the text" in shown
    labels = {m.label: m.value for m in at.metric}
    assert "Copied (12 chars)" in labels and labels["Longest copy"].endswith(" chars")
    share = labels["Copied (12 chars)"]
    assert share.endswith("%") and 0 <= int(share[:-1]) <= 100
    assert "Writing or reciting?" in shown
