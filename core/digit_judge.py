"""An independent judge of generated 8x8 digits: a classifier trained on the real digits only.

Generative models of digits are compared by how many of their samples a separate classifier
recognises with confidence (> 0.9) and how many of the 10 classes appear among those: a sharp,
diverse model scores high on both, a blurry one (VAE) fails the confidence test, a collapsed one
(GAN) shows few classes. The judge is scikit-learn's multinomial logistic regression on the
training split of ``core.digits`` (about 96 % accurate on the test split), cached once per process.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from core import digits

CONFIDENCE = 0.9


@lru_cache(maxsize=1)
def classifier():
    """(fitted LogisticRegression on pixels / 16, its test accuracy)."""
    from sklearn.linear_model import LogisticRegression

    d = digits.load(seed=0)
    model = LogisticRegression(C=0.5, max_iter=2000).fit(d.x_train, d.y_train)
    return model, float(model.score(d.x_test, d.y_test))


def judge(pixels: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, float | int]:
    """For (n, 64) images in load_digits units (0..16): ``confident`` (share of samples whose top
    class probability exceeds ``confidence``), ``classes`` (how many classes those samples cover),
    and ``class_counts`` is left out to keep it JSON-ready; ``judge_accuracy`` on real test digits."""
    model, accuracy = classifier()
    x = np.nan_to_num(np.asarray(pixels, dtype=np.float64).reshape(-1, 64) / digits.MAX_PIXEL)
    if not len(x):
        return {"confident": 0.0, "classes": 0, "judge_accuracy": accuracy}
    proba = model.predict_proba(x)  # (n, 10)
    sure = proba.max(1) > confidence  # (n,)
    return {
        "confident": float(sure.mean()),
        "classes": int(len(np.unique(proba.argmax(1)[sure]))),
        "judge_accuracy": accuracy,
    }


def class_histogram(pixels: np.ndarray, confidence: float = CONFIDENCE) -> np.ndarray:
    """(10,) counts of confidently recognised samples per class."""
    model, _ = classifier()
    x = np.nan_to_num(np.asarray(pixels, dtype=np.float64).reshape(-1, 64) / digits.MAX_PIXEL)
    if not len(x):
        return np.zeros(10, dtype=int)
    proba = model.predict_proba(x)
    return np.bincount(proba.argmax(1)[proba.max(1) > confidence], minlength=10)
