"""Character-level text models: text checks, vocabulary, bigram counts, causality, sampling, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from core.cli import main as cli_main
from core.errors import ConfigError, DataError
from core.corpus import MIN_CHARS, Vocab, bigram_counts, bigram_log_probs, bigram_nll, check_text, load_corpus, split
from core.text import MODELS, TextConfig, TextTrainer, pca_2d, pick

POEM = ("The woods are lovely, dark and deep,\nBut I have promises to keep,\nAnd miles to go before I sleep,\n"
        "And miles to go before I sleep.\n") * 4


# ------------------------------------------------------------------ pasted text


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("a", "one character"),
        ("z" * 500, "one character"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 30, "binary"),
        (b"\xff\xfe\xfa\xfb" * 100, "not UTF-8"),
        ("".join(chr(i % 31 + 1) for i in range(400)), "binary"),
        ("short text", "at least 200"),
        ("".join(chr(0x4E00 + i) for i in range(300)), "different characters"),
    ],
)
def test_bad_pasted_text_says_why(text, words):
    with pytest.raises(DataError, match=words):
        check_text(text)


def test_good_text_is_normalised_and_trains():
    text = check_text(POEM.replace("\n", "\r\n").encode("utf-8"))
    assert "\r" not in text and text == POEM
    trainer = TextTrainer(TextConfig(model="gru", context=64, width=32, seed=1, lr=0.01), text)
    assert trainer.V == len(set(POEM))
    assert trainer.context < 64 and len(trainer.val_ids) >= MIN_CHARS // 10  # a short text shortens the context
    first = trainer.evaluate()["train_loss"]
    for _ in range(100):
        trainer.step()
    assert trainer.evaluate()["train_loss"] < first - 1.0  # it learns the poem


def test_shipped_corpus_size_and_vocabulary():
    text = load_corpus("persuasion")
    assert 200_000 < len(text) <= 300_000 and text.startswith("Persuasion")
    assert 60 <= len(set(text)) <= 100
    with pytest.raises(ConfigError, match="corpus"):
        load_corpus("no-such-corpus")


# ------------------------------------------------------------------ vocabulary, split, bigram


def test_vocab_round_trip_and_unknown_characters():
    vocab = Vocab.of("hello world")
    assert vocab.chars == " dehlorw" and vocab.size == 8
    ids = vocab.encode("world hello")
    assert vocab.decode(ids) == "world hello"
    assert vocab.unknown("hi world!") == "i!"


def test_split_is_contiguous():
    ids = np.arange(1000)
    train, val = split(ids, 0.1)
    assert np.array_equal(train, np.arange(900)) and np.array_equal(val, np.arange(900, 1000))


def test_bigram_counts_and_probabilities():
    vocab = Vocab.of("abab ba")
    ids = vocab.encode("abab ba")  # pairs: ab ba ab b_ _b ba
    counts = bigram_counts(ids, vocab.size)
    a, b, sp = (vocab.chars.index(c) for c in "ab ")
    assert counts[a, b] == 2 and counts[b, a] == 2 and counts[b, sp] == 1 and counts[sp, b] == 1
    assert counts.sum() == len(ids) - 1
    lp = bigram_log_probs(counts, alpha=0.0 + 1e-12)
    assert math.isclose(math.exp(lp[b, a]), 2 / 3, rel_tol=1e-6)
    assert np.allclose(np.exp(bigram_log_probs(counts)).sum(1), 1.0)
    assert bigram_nll(lp, ids) == pytest.approx(-np.mean(lp[ids[:-1], ids[1:]]))


def test_counting_bigram_reaches_the_bigram_baseline():
    trainer = TextTrainer(TextConfig(model="bigram"))
    losses = [trainer.step()["loss"] for _ in range(80)]
    assert trainer._counted >= len(trainer.train_ids) - 1  # the whole training text is counted
    assert losses[0] == pytest.approx(math.log(trainer.V), abs=1e-6)  # before any count: uniform
    assert trainer.full_validation_loss() == pytest.approx(trainer.baselines["bigram"], abs=0.01)
    assert trainer.baselines["bigram"] < trainer.baselines["uniform"] - 1.5


# ------------------------------------------------------------------ models


@pytest.mark.parametrize("model", MODELS)
def test_models_are_causal(model):
    """The prediction at position t must not depend on characters after t."""
    trainer = TextTrainer(TextConfig(model=model, context=16, width=16, depth=2, heads=2, seed=3))
    for _ in range(3):
        trainer.step()
    trainer.model.eval()
    x = trainer.train_t[:16][None].clone()
    y = x.clone()
    y[0, 10:] = (y[0, 10:] + 5) % trainer.V
    with torch.no_grad():
        a, b = trainer.model(x), trainer.model(y)
    assert a.shape == (1, 16, trainer.V)
    assert torch.allclose(a[0, :10], b[0, :10], atol=1e-5)
    assert not torch.allclose(a[0, 10:], b[0, 10:])


@pytest.mark.parametrize("model", ["gru", "transformer"])
def test_neural_models_beat_the_bigram(model):
    trainer = TextTrainer(TextConfig(model=model, context=32, width=64, depth=1 if model == "gru" else 2, seed=0))
    for _ in range(400):
        trainer.step()
    assert trainer.full_validation_loss(5000) < trainer.baselines["bigram"]


def test_ngram_mlp_learns():
    trainer = TextTrainer(TextConfig(model="ngram", context=4, width=16, seed=0, lr=0.01))
    before = trainer.evaluate()["val_loss"]
    for _ in range(300):
        trainer.step()
    assert trainer.evaluate()["val_loss"] < before - 1.2


def test_config_errors():
    with pytest.raises(ConfigError, match="multiple"):
        TextTrainer(TextConfig(model="transformer", width=30, heads=4))
    with pytest.raises(ConfigError, match="Unknown model"):
        TextConfig(model="lstm").validate()
    with pytest.raises(ConfigError):
        TextConfig(context=0).validate()


def test_same_seed_same_model():
    a = TextTrainer(TextConfig(model="gru", width=16, seed=5))
    b = TextTrainer(TextConfig(model="gru", width=16, seed=5))
    ma = [a.step()["loss"] for _ in range(5)]
    mb = [b.step()["loss"] for _ in range(5)]
    assert ma == mb
    assert a.sample(50, "Anne", 1.0, 0, seed=2) == b.sample(50, "Anne", 1.0, 0, seed=2)


# ------------------------------------------------------------------ sampling and reading the model


def test_pick_temperature_and_top_k():
    logits = torch.tensor([0.0, 3.0, 1.0, 2.0])
    gen = torch.Generator().manual_seed(0)
    assert pick(logits, 0.0, 0, gen) == 1
    assert {pick(logits, 1.0, 2, gen) for _ in range(200)} == {1, 3}
    assert {pick(logits, 1.0, 1, gen) for _ in range(20)} == {1}
    hot = [pick(logits, 100.0, 0, gen) for _ in range(2000)]
    assert min(np.bincount(hot, minlength=4)) > 350  # high temperature: nearly uniform


def test_greedy_sample_follows_next_probs():
    trainer = TextTrainer(TextConfig(model="bigram"))
    for _ in range(70):
        trainer.step()
    text = trainer.sample(5, "th", temperature=0.0)
    p = trainer.next_probs("th")
    assert p.shape == (trainer.V,) and p.sum() == pytest.approx(1.0, abs=1e-5)
    assert text[0] == trainer.vocab.chars[int(np.argmax(p))] == "e"  # after "th" comes "e"
    assert trainer.sample(30, "th", 1.0, top_k=1, seed=9) == trainer.sample(30, "th", 0.0)


def test_snapshot_contents_and_live_settings():
    trainer = TextTrainer(TextConfig(model="gru", width=16))
    trainer.set_sampling(0.5, 5, "Anne é")
    assert trainer.prompt == "Anne "  # unknown characters left out
    snap = trainer.snapshot()
    assert len(str(snap["sample"])) == 200 and str(snap["prompt"]) == "Anne "
    assert snap["next_probs"].shape == (trainer.V,) and snap["embedding_2d"].shape == (trainer.V, 2)
    assert snap["chars"].shape == (trainer.V,) and int(snap["sample_step"]) == 0
    trainer.step()
    trainer.refresh_sample()
    assert int(trainer.snapshot()["sample_step"]) == 1
    trainer.set_lr(0.5)
    assert trainer.opt.param_groups[0]["lr"] == 0.5


def test_set_live_applies_each_setting_and_the_snapshot_describes_the_model():
    trainer = TextTrainer(TextConfig(model="gru", width=16, context=24))
    trainer.set_live(lr=0.02, temperature=0.3, top_k=4, prompt="Anne é")
    assert trainer.opt.param_groups[0]["lr"] == 0.02
    assert (trainer.temperature, trainer.top_k, trainer.prompt) == (0.3, 4, "Anne ")
    trainer.set_live(top_k=0)  # the others are kept
    assert (trainer.temperature, trainer.top_k, trainer.prompt) == (0.3, 0, "Anne ")
    snap = trainer.snapshot()
    assert snap["temperature"] == 0.3 and snap["top_k"] == 0
    assert snap["vocab"] == trainer.vocab.chars and list(snap["chars"]) == list(snap["vocab"])
    assert snap["model"] == "gru" and snap["context"] == snap["requested_context"] == 24
    assert snap["train_chars"] == len(trainer.train_ids) and snap["val_chars"] == len(trainer.val_ids)
    assert snap["baselines"] == trainer.baselines and snap["parameter_count"] == trainer.parameter_count()
    trainer.step()
    trainer.set_live(refresh_sample=True)
    assert int(trainer.snapshot()["sample_step"]) == 1
    short = TextTrainer(TextConfig(model="ngram", context=64, width=16), POEM).snapshot()
    assert short["context"] < short["requested_context"] == 64  # a short text shortens the context


def test_pca_2d_finds_the_main_directions_with_a_stable_sign():
    rng = np.random.default_rng(0)
    E = np.zeros((50, 6))
    E[:, 2] = rng.normal(size=50) * 10
    E[:, 2] -= E[:, 2].mean()  # the main direction
    E[:, 4] = rng.normal(size=50) * 3
    E[:, 4] -= E[:, 4].mean()  # the second
    E[:, 4] -= E[:, 4] @ E[:, 2] / (E[:, 2] @ E[:, 2]) * E[:, 2]  # uncorrelated with the first
    E += rng.normal(size=(50, 6)) * 0.01
    xy = pca_2d(torch.tensor(E))
    assert np.corrcoef(xy[:, 0], E[:, 2])[0, 1] ** 2 > 0.99
    assert np.corrcoef(xy[:, 1], E[:, 4])[0, 1] ** 2 > 0.99
    assert np.allclose(pca_2d(torch.tensor(E)), xy) and np.allclose(pca_2d(torch.tensor(-E)), -xy, atol=1e-8)  # same axes


# ------------------------------------------------------------------ CLI


def test_cli_text_model_option(capsys):
    assert cli_main(["train", "text", "--model", "bigram", "--steps", "70"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["model"] == "text" and out["architecture"] == "bigram" and out["steps"] == 70
    assert out["val_loss"] == pytest.approx(out["bigram_val_loss"], abs=0.01)
    assert isinstance(out["sample"], str) and len(out["sample"]) == 200


def test_cli_text_gru_seconds(capsys, tmp_path):
    path = tmp_path / "run.npz"
    code = cli_main(["train", "text", "--model", "gru", "--seconds", "1", "--width", "16", "--out", str(path)])
    assert code == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["model"] == "text" and out["architecture"] == "gru" and out["steps"] > 0 and out["val_loss"] < out["uniform_loss"]
    arrays = np.load(path)
    assert arrays["embedding_2d"].shape == (out["vocab_size"], 2)


def test_cli_unknown_architecture_is_one_json_line(capsys):
    assert cli_main(["train", "text", "--model", "lstm", "--steps", "5"]) == 2
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["state"] == "failed" and "lstm" in out["message"]


def test_memorisation_check_of_a_copy_a_counted_bigram_and_the_held_out_reference():
    t = TextTrainer(TextConfig(model="bigram"))
    train_text = t.text[:len(t.train_ids)]
    copied = t.copy_check(train_text[40_000:40_200])
    assert copied["share"] == 1.0 and copied["longest"] == 200 and copied["n"] == 12
    # the author's own held-out text: some 12-character strings recur, long copies do not
    assert 0.05 < copied["ref_share"] < 0.3 and 10 <= copied["ref_longest"] < 40
    for _ in range(80):  # counts the whole text
        t.step()
    snap = t.snapshot()
    copy = snap["copy"]
    assert copy["share"] < copied["ref_share"] and copy["longest"] < 15  # a bigram chain writes no long copies
    assert copy["longest_text"] in train_text and len(copy["longest_text"]) == copy["longest"]


# ------------------------------------------------------------------ figures (dashboard/fig_text.py)


def test_next_character_bars_label_every_bar_horizontally_in_both_modes():
    import plotly.graph_objects as go

    from dashboard.fig_text import next_char_bars
    from dashboard.layout import FONT_STEP, projected

    chars = np.array(list(" \nabcdefghijklmnopqrstuvwxyz.,;ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    probs = np.linspace(1.0, 0.1, len(chars))
    probs /= probs.sum()
    for fig in (next_char_bars(chars, probs, "Anne "), projected(go.Figure(next_char_bars(chars, probs, "Anne ")),
                                                                 main=True)):
        axis = fig.layout.xaxis
        assert axis.tickangle == 0  # plotly's "auto" turned them 90° in presenter mode
        assert axis.tickfont.size >= 16 + FONT_STEP // 2  # readable on a projector, in both modes
        assert axis.tickmode == "linear" and axis.dtick == 1  # every bar its label, none left out
        labels = list(fig.data[0].x)
        assert len(labels) == 15 and all(len(label) == 1 for label in labels)  # one character each: 15 fit
        assert "⏎" in labels and "␣" in labels


def _label_boxes(fig):
    """Each drawn label's centre in pixels (y up), at the plot area size the figure places its labels for."""
    from dashboard.fig_text import CHAR_PX, PLANE_PX

    xs = np.concatenate([np.asarray(t.x, float) for t in fig.data])
    ys = np.concatenate([np.asarray(t.y, float) for t in fig.data])
    (x0, x1) = fig.layout.xaxis.range or (xs.min(), xs.max())
    (y0, y1) = fig.layout.yaxis.range or (ys.min(), ys.max())
    boxes = []
    for t in fig.data:
        spots = t.textposition if isinstance(t.textposition, (list, tuple)) else [t.textposition] * len(t.x)
        sizes = np.broadcast_to(np.asarray(t.marker.size, float), (len(t.x),))
        for x, y, text, spot, size in zip(t.x, t.y, t.text, spots, sizes):
            if not text:
                continue
            v, h = (spot or "middle center").split()
            gap = size / 2 / 0.8 + 1  # plotly: the text starts this far from the marker's centre
            dx = {"left": -1, "center": 0, "right": 1}[h] * (gap + CHAR_PX[0] / 2)
            dy = {"bottom": -1, "middle": 0, "top": 1}[v] * (gap + CHAR_PX[1] / 2)
            boxes.append(((x - x0) / (x1 - x0) * PLANE_PX[0] + dx, (y - y0) / (y1 - y0) * PLANE_PX[1] + dy, text))
    return boxes


def test_embedding_plane_labels_do_not_pile_up():
    from dashboard.fig_text import CHAR_PX, PLANE_PX, embedding_plane

    rng = np.random.default_rng(0)
    chars = np.array(list("etaoinshrdlucmfwypvbgkjqxz ETAOINSHRD.,;:!?0123456789"))
    xy = np.concatenate([rng.normal(0, 0.05, (30, 2)), rng.uniform(-3, 3, (len(chars) - 30, 2))])  # a dense cluster
    counts = np.arange(len(chars), 0, -1).astype(float) ** 2  # 'e' the most frequent
    fig = embedding_plane(xy, chars, counts)
    boxes = _label_boxes(fig)
    for i, (ax, ay, a) in enumerate(boxes):
        assert CHAR_PX[0] / 2 <= ax <= PLANE_PX[0] - CHAR_PX[0] / 2 and CHAR_PX[1] / 2 <= ay <= PLANE_PX[1] - CHAR_PX[1] / 2
        for bx, by, b in boxes[i + 1:]:
            assert abs(ax - bx) >= CHAR_PX[0] or abs(ay - by) >= CHAR_PX[1], (a, b)  # no label covers another
    shown = {text for *_, text in boxes}
    assert "e" in shown and len(shown) >= 30  # the most frequent first, and most of them
    assert sum(len(t.x) for t in fig.data) == len(chars)  # every character keeps its marker
    names = [c for t in fig.data for c in t.customdata]
    assert sorted(names) == sorted({" ": "␣"}.get(c, c) for c in chars)  # and its name on hover
