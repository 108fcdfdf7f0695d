"""How much of a generated text is copied verbatim from the training text?

Two measures of a sample against the training text (the lecture's question: does a language model
write, or does it recite?):

- the **n-gram share**: of the sample's overlapping n-character strings, the share that occur somewhere
  in the training text. Characters, not tokens, since the text page's models read characters. The
  n is 12 (about two words): at n = 8 half of the author's own held-out text counts as "copied" (8
  characters such as " of the " recur everywhere), at 12 about one string in eight, at 16 one in forty.
  So the share is read against the same share of the held-out text, which no model has seen.
- the **longest copied span**: the longest run of the sample that occurs verbatim in the training text.

The n-grams of the training text are kept as sorted 64-bit polynomial hashes (a few MB for a novel,
looked up with ``np.searchsorted``; two different strings share a hash with probability about 2⁻⁶⁴
per pair). The longest span is checked on the text itself, so it is exact.
"""

from __future__ import annotations

import numpy as np

N_CHARS = 12
_BASE = np.uint64(1_000_003)


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def ngram_hashes(text: str, n: int) -> np.ndarray:
    """(len(text) − n + 1,) a 64-bit hash of each overlapping n-character string of ``text``."""
    c = _codes(text)
    m = len(c) - n + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64)
    h = np.zeros(m, dtype=np.uint64)
    with np.errstate(over="ignore"):  # arithmetic modulo 2⁶⁴ is the point
        for k in range(n):
            h = h * _BASE + c[k:k + m]
    return h


def longest_span(sample: str, corpus: str) -> tuple[int, int]:
    """(length, start) of the longest substring of ``sample`` that occurs verbatim in ``corpus``.

    Two pointers: if sample[i:j] occurs, so does sample[i+1:j], so j never moves back; about
    2·len(sample) substring searches.
    """
    best, at, j = 0, 0, 0
    for i in range(len(sample)):
        j = max(j, i)
        while j < len(sample) and sample[i:j + 1] in corpus:
            j += 1
        if j - i > best:
            best, at = j - i, i
    return best, at


class CopyIndex:
    """The training text's n-grams, once; then the copy measures of any sample."""

    def __init__(self, corpus: str, n: int = N_CHARS):
        if n < 1:
            raise ValueError("n must be positive")
        self.corpus, self.n = corpus, n
        self.hashes = np.unique(ngram_hashes(corpus, n))  # sorted

    def ngram_share(self, sample: str) -> float:
        """The share of the sample's n-grams found in the training text (nan if it has none)."""
        h = ngram_hashes(sample, self.n)
        if not len(h) or not len(self.hashes):
            return float("nan") if not len(h) else 0.0
        pos = np.minimum(np.searchsorted(self.hashes, h), len(self.hashes) - 1)
        return float((self.hashes[pos] == h).mean())

    def report(self, sample: str) -> dict[str, float | str]:
        length, start = longest_span(sample, self.corpus)
        return {"share": self.ngram_share(sample), "longest": length, "longest_text": sample[start:start + length]}
