"""core/memorisation.py: the share of a sample's n-grams found in the training text, and the longest copy."""

from __future__ import annotations

import numpy as np
import pytest

from core.memorisation import CopyIndex, longest_span, ngram_hashes

WORDS = ("anne", "wentworth", "captain", "kellynch", "bath", "lady", "russell", "sir", "walter", "elliot",
         "musgrove", "lyme", "navy", "letter", "persuasion", "sister", "father", "house", "sea", "walk")


def _corpus(seed: int, n_words: int = 4000) -> str:
    rng = np.random.default_rng(seed)
    return " ".join(rng.choice(WORDS, n_words))


def test_a_copied_sample_scores_100_percent_and_random_characters_near_0():
    corpus = _corpus(0)
    index = CopyIndex(corpus, n=12)
    copied = corpus[5000:5200]
    r = index.report(copied)
    assert r["share"] == 1.0 and r["longest"] == 200 and r["longest_text"] == copied
    rng = np.random.default_rng(1)
    random = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz "), 200))
    r = index.report(random)
    assert r["share"] < 0.02 and r["longest"] < 8
    # half copied: the share is about a half, the longest span the copied half
    half = corpus[9000:9100] + random[:100]
    r = index.report(half)
    assert 0.4 < r["share"] < 0.6 and 100 <= r["longest"] < 110


def test_longest_span_is_exact_and_ngram_share_matches_a_set():
    corpus = "the cat sat on the mat"
    assert longest_span("a cat sat by", corpus) == (len(" cat sat "), 1)
    assert longest_span("xyz", corpus) == (0, 0)
    text, sample = _corpus(2, 800), _corpus(3, 60)
    for n in (4, 8, 12):
        grams = {text[i:i + n] for i in range(len(text) - n + 1)}
        want = np.mean([sample[i:i + n] in grams for i in range(len(sample) - n + 1)])
        assert CopyIndex(text, n).ngram_share(sample) == pytest.approx(want)
    assert len(ngram_hashes("abc", 5)) == 0 and np.isnan(CopyIndex(text, 12).ngram_share("short"))
