"""Data for the models of vectors (the VAE, the auto-encoders): 8x8 digits or 2D target points, standardised.

A model of vectors learns in *model units* and answers in *data units*:

- ``data="digits"``: scikit-learn's 8x8 digits (core/digits.py), one fixed train/test split for
  every seed. Model units: pixels / 16, in [0, 1], so ``x ∈ [0, 1]^64``; data units: pixel
  intensities 0..16, as ``load_digits`` gives them. Labels 0..9.
- a name of core/targets2d.py (``ring``, ``grid``, …) or a CSV path of 2D points, or a ready
  :class:`~core.targets2d.Target2D` (e.g. an upload): ``N_TRAIN_2D`` training and ``N_TEST_2D``
  test points drawn with the run's seed and standardised with the training set's mean and std,
  ``z = (x − mean) / std``; data units are the target's own coordinates. Labels: the nearest mode
  for mixtures, else -1.

:func:`load_vectors` builds a :class:`VectorData`; :meth:`VectorData.to_data_units` goes back;
:meth:`VectorData.shown` picks the test examples a snapshot draws. :func:`quality_report` judges
samples in data units the same way for every model: for digits the independent judge of
core/digit_judge.py (logistic regression trained on the real digits: ``confident`` share,
``classes`` among them), for 2D targets ``sample_report`` of core/sample_metrics.py. :func:`sample`
asks any trained model of vectors for n samples in data units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core import digits as digits_data
from core.digit_judge import judge
from core.precision_recall import precision_recall
from core.sample_metrics import sample_report
from core.targets2d import TARGET_NAMES, Target2D, load_target, standardise, unstandardise

DIGITS = "digits"
DATA_NAMES = (DIGITS, *TARGET_NAMES)
N_TRAIN_2D, N_TEST_2D = 4000, 1000  # 2D targets: fixed training and held-out sets
N_SHOWN = 8  # digits shown with their reconstructions (the first test digit of each class 0..7)
N_POINTS_2D = 600  # data points drawn in a 2D snapshot
N_PRIOR = 16  # samples shown in a digits snapshot


@dataclass(frozen=True)
class VectorData:
    """Training and test vectors in the model's units, and how to get back to data units.

    Digits: x in [0, 1] (pixels / 16), labels 0..9. 2D targets: standardised x, labels = nearest
    mode for mixtures (else -1), ``mean``/``std`` to unstandardise.
    """

    kind: str  # "digits" or "points"
    x_train: np.ndarray  # (n, d) float32
    x_test: np.ndarray  # (m, d) float32
    y_test: np.ndarray  # (m,) int64, -1 where unknown
    mean: np.ndarray | None = None  # (d,) points only
    std: np.ndarray | None = None  # (d,)
    target: Target2D | None = None

    @property
    def dim(self) -> int:
        return self.x_train.shape[1]

    @property
    def is_digits(self) -> bool:
        return self.kind == DIGITS

    def to_data_units(self, x: np.ndarray) -> np.ndarray:
        """Model units -> data units: pixels 0..16 for digits, the target's coordinates for points."""
        if self.is_digits:
            return digits_data.to_pixels(x)
        return unstandardise(x, self.mean, self.std)

    def shown(self) -> np.ndarray:
        """Indices of the test examples a snapshot draws: the first test digit of each class
        0..N_SHOWN-1, or the first N_POINTS_2D test points."""
        if self.is_digits:
            return np.array([np.flatnonzero(self.y_test == c)[0] for c in range(N_SHOWN)])
        return np.arange(min(N_POINTS_2D, len(self.y_test)))


def load_vectors(data: str, spread: float = 0.0, seed: int = 0, target: Target2D | None = None) -> VectorData:
    """The data of a VAE/AE config. ``spread`` 0 = the target's default; ``target`` overrides ``data``."""
    if target is None and data == DIGITS:
        d = digits_data.load(seed=0)  # one split for every seed: test numbers stay comparable
        return VectorData(DIGITS, d.x_train, d.x_test, d.y_test)
    if target is None:
        target = load_target(data, spread if spread > 0 else None, others=(DIGITS,))  # spread 0: the default
    rng = np.random.default_rng(seed)
    x_train = target.sample(N_TRAIN_2D, rng=rng)  # (n, 2) data units
    x_test = target.sample(N_TEST_2D, rng=rng)
    z_train, mean, std = standardise(x_train)
    z_test = (x_test - mean) / std
    if target.is_mixture:
        y_test = np.linalg.norm(x_test[:, None] - target.modes[None], axis=-1).argmin(1)  # (m,) nearest mode
    else:
        y_test = np.full(len(x_test), -1)
    return VectorData("points", z_train.astype(np.float32), z_test.astype(np.float32), y_test.astype(np.int64),
                      mean, std, target)


def quality_report(samples: np.ndarray, data: VectorData) -> dict[str, float]:
    """Sample quality in data units. Digits: ``confident`` (share the independent judge of
    core/digit_judge.py recognises with P > 0.9), ``classes`` (classes among those), and the improved
    ``precision`` and ``recall`` (core/precision_recall.py) of the first ``len(x_test)`` samples against
    the held-out test digits, in pixels scaled to [0, 1] (as many samples as real digits, so the numbers
    do not depend on how many samples were drawn); 2D targets: ``sample_report`` (energy, and for
    mixtures modes_captured, high_quality, …)."""
    if data.is_digits:
        r = judge(samples)
        pr = digit_precision_recall(samples, data.x_test)
        return {"confident": float(r["confident"]), "classes": float(r["classes"]), **pr}
    return sample_report(samples, data.target, reference=data.to_data_units(data.x_test))


def digit_precision_recall(samples: np.ndarray, real: np.ndarray) -> dict[str, float]:
    """Improved precision and recall of digit samples (n, 64) in data units (0..16) against real digits
    (m, 64) in model units ([0, 1]), on the first m samples (equal sizes, as Kynkäänniemi et al. do)."""
    pixels = np.asarray(samples, dtype=np.float64).reshape(-1, 64)[: len(real)] / digits_data.MAX_PIXEL
    return precision_recall(real, pixels)


def sample(trainer: Any, n: int, seed: int | None = None) -> np.ndarray:
    """n samples of a trained VAE or AE in data units ((n, 2) points, or (n, 64) pixels 0..16)."""
    return trainer.sample(n, seed)
