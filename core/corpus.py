"""Text as tokens: the corpus, the vocabulary, the bigram baseline.

A text is a sequence of characters ``x_1 … x_N``; its vocabulary is the ``V`` distinct characters,
sorted, and a character's token is its index there (``Vocab.encode`` / ``decode``). The corpus is a
shipped book (``CORPORA``) or a text file, or a text a student pastes; :func:`check_text` refuses,
in one line a student can read, whatever is too short, too long, binary or a single repeated
character. :func:`split` keeps the first part of the text to train on and the rest to validate on
(in order: neighbouring characters are not independent, so a random split would leak).

The baseline every model must beat is the bigram, a Markov chain counted from the training text:
``p(x_{t+1} = j | x_t = i) = (C_ij + α) / Σ_j' (C_ij' + α)`` with ``C_ij`` the counts of the pair
``(i, j)`` and add-α smoothing; its negative log-likelihood in nats per character is
``-(1/N) Σ_t log p(x_{t+1} | x_t)``. The uniform model scores ``log V``.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.errors import ConfigError, DataError

ASSETS = Path(__file__).resolve().parent.parent / "assets"
CORPORA = {"persuasion": ("Persuasion (Jane Austen, 1818), chapters 1-16", ASSETS / "persuasion.txt")}
MIN_CHARS = 200  # a pasted text shorter than this has too little to learn from and to validate on
MAX_CHARS = 400_000  # a text file (the shipped corpus has 274k)
MAX_PASTE = 200_000  # a pasted text: also the text box's max_chars
MAX_VOCAB = 256
BIGRAM_ALPHA = 0.1  # add-α smoothing of the bigram counts


# =========================================================================== text and vocabulary


def check_text(text: str | bytes, what: str = "The pasted text", max_chars: int = MAX_PASTE) -> str:
    """The text, normalised (\\r\\n -> \\n), or a DataError saying in one line why it cannot be used.

    The length is checked first, before any scan of the characters.
    """
    too_long = DataError(f"{what} has more than {max_chars:,} characters: paste at most {max_chars:,}.")
    if len(text) > max_chars * (4 if isinstance(text, (bytes, bytearray)) else 1):  # UTF-8: 1 to 4 bytes each
        raise too_long
    if isinstance(text, (bytes, bytearray)):
        if b"\x00" in text[:4096]:
            raise DataError(f"{what} looks binary (it contains NUL bytes), not text.")
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError(f"{what} is not UTF-8 text: it looks binary.") from None
    if len(text) > max_chars:
        raise too_long
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DataError(f"{what} is empty: paste some text (at least {MIN_CHARS} characters).")
    control = sum(1 for c in text if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") and c not in "\n\t")
    if "\x00" in text or control > max(2, 0.01 * len(text)):
        raise DataError(f"{what} looks binary: {control:,} of its {len(text):,} characters are control "
                        "codes. Paste plain text.")
    if len(set(text)) < 2:
        raise DataError(f"{what} repeats one character only: there is nothing to predict. Paste real text.")
    if len(text) < MIN_CHARS:
        raise DataError(f"{what} has {len(text):,} characters: paste at least {MIN_CHARS} so that there is "
                        "something to learn from and something to validate on.")
    if len(set(text)) > MAX_VOCAB:
        raise DataError(f"{what} uses {len(set(text)):,} different characters: at most {MAX_VOCAB} fit "
                        "a character model this small.")
    return text


@lru_cache(maxsize=4)
def load_corpus(name: str) -> str:
    """A shipped corpus by name, or a text file by path."""
    if name in CORPORA:
        path = CORPORA[name][1]
    elif os.path.isfile(name):
        path = Path(name)
    else:
        raise ConfigError(f"The corpus must be one of {', '.join(CORPORA)} or the path of a text file.")
    return check_text(path.read_bytes()[:MAX_CHARS * 4], f"The file {path.name}", MAX_CHARS)


@dataclass(frozen=True)
class Vocab:
    chars: str  # the V characters, sorted

    @classmethod
    def of(cls, text: str) -> "Vocab":
        return cls("".join(sorted(set(text))))

    @property
    def size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        index = {c: i for i, c in enumerate(self.chars)}
        return np.fromiter((index[c] for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def unknown(self, text: str) -> str:
        """The characters of ``text`` the vocabulary lacks (each once, in order)."""
        return "".join(dict.fromkeys(c for c in text if c not in self.chars))


def split(ids: np.ndarray, val_ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """The first (1 - val_ratio) of the text to train on, the rest to validate on (no shuffling:
    neighbouring characters are not independent, so a random split would leak)."""
    n_val = max(MIN_CHARS // 10, int(round(len(ids) * val_ratio)))
    return ids[:-n_val], ids[-n_val:]


# =========================================================================== the bigram baseline


def bigram_counts(ids: np.ndarray, V: int) -> np.ndarray:
    """(V, V) counts of each pair (previous, next)."""
    return np.bincount(ids[:-1] * V + ids[1:], minlength=V * V).reshape(V, V).astype(np.float64)


def bigram_log_probs(counts: np.ndarray, alpha: float = BIGRAM_ALPHA) -> np.ndarray:
    smoothed = counts + alpha
    return np.log(smoothed / smoothed.sum(1, keepdims=True))


def bigram_nll(log_probs: np.ndarray, ids: np.ndarray) -> float:
    """Mean negative log-likelihood (nats per character) of ``ids[1:]`` given ``ids[:-1]``."""
    return float(-log_probs[ids[:-1], ids[1:]].mean())
