"""Learning from data versus expert rules, on the Iris flowers (scikit-learn's bundled copy).

The lecture's two pipelines:

* an **expert system**: data + program → results. The program is a rule a person writes,
  "if petal length < 2.5 cm then setosa, else versicolor", optionally refined by a second rule on
  one side of the first. ``predict_rules`` applies it; ``accuracy`` and ``confusion_matrix`` judge it;
  ``best_single_rule`` finds, by exhaustive search, the best one-threshold rule an expert could write.
* **machine learning**: data + results → program. ``RulesTrainer`` learns ``f_θ`` (a logistic
  regression or a one-hidden-layer MLP, ``softmax(W h + b)``) from labelled flowers on two chosen
  features by minimising the cross-entropy with Adam; its snapshot is the class probability over
  the feature plane, in the layout of ``dashboard.figures.decision_boundary``.

A single threshold splits the flowers in two, so it can name at most two of the three species:
its accuracy is at most about 2/3. The learned model separates all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import torch
from torch import nn

from core.classify import evaluate_parts, make_optimizer
from core.datasets import LabelledData
from core.errors import ConfigError
from core.nets import mlp, parameter_count, set_lr
from core.targets2d import plot_grid

FEATURES = ("sepal length", "sepal width", "petal length", "petal width")  # in cm, Iris column order
SPECIES = ("setosa", "versicolor", "virginica")
MODELS = ("logistic", "mlp")
SIDES = ("below", "above")
GRID = 60  # resolution of the drawn boundary (GRID x GRID)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Iris:
    X: np.ndarray  # (150, 4) float32, cm
    Y: np.ndarray  # (150,) int64 in 0..2
    feature_names: tuple[str, ...] = FEATURES
    class_names: tuple[str, ...] = SPECIES

    def plane(self, fx: int, fy: int) -> LabelledData:
        """The flowers seen on two features: X (150, 2)."""
        return LabelledData(self.X[:, [fx, fy]].copy(), self.Y, self.class_names, "iris")


@lru_cache(maxsize=1)
def load_iris_data() -> Iris:
    from sklearn.datasets import load_iris

    raw = load_iris()
    return Iris(raw.data.astype(np.float32), raw.target.astype(np.int64))


def feature_index(name: str) -> int:
    if name not in FEATURES:
        raise ConfigError(f"Unknown feature '{name}': choose among {', '.join(FEATURES)}.")
    return FEATURES.index(name)


# --------------------------------------------------------------------------- rules (the expert's program)


@dataclass(frozen=True)
class Split:
    """``if x[feature] < threshold then below else above`` (classes by index)."""

    feature: int
    threshold: float
    below: int
    above: int

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.where(X[:, self.feature] < self.threshold, self.below, self.above)

    def describe(self, feature_names=FEATURES, class_names=SPECIES) -> str:
        f = feature_names[self.feature]
        return (f"if {f} < {self.threshold:g} then {class_names[self.below]}, "
                f"else {class_names[self.above]}")


@dataclass(frozen=True)
class RuleSet:
    """A first split, and optionally a second split that decides on one side of the first."""

    first: Split
    second: Split | None = None
    second_side: str = "above"  # the side of the first split that the second one refines

    def __post_init__(self):
        if self.second_side not in SIDES:
            raise ConfigError(f"The second rule applies 'below' or 'above' the first, not '{self.second_side}'.")

    def predict(self, X: np.ndarray) -> np.ndarray:
        """(n, 4) flowers (or any array with the rules' feature columns) -> (n,) class indices."""
        pred = self.first.predict(X)
        if self.second is not None:
            below = X[:, self.first.feature] < self.first.threshold
            side = below if self.second_side == "below" else ~below
            pred = np.where(side, self.second.predict(X), pred)
        return pred


def predict_rules(X: np.ndarray, rules: RuleSet | Split) -> np.ndarray:
    return rules.predict(X)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else float("nan")


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = len(SPECIES)) -> np.ndarray:
    """(C, C) counts: row = true class, column = predicted class."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def candidate_thresholds(values: np.ndarray) -> np.ndarray:
    """Midpoints between consecutive distinct values: every different way to split them."""
    u = np.unique(values)
    return (u[:-1] + u[1:]) / 2


def best_single_rule(X: np.ndarray, Y: np.ndarray, n_classes: int = len(SPECIES)) -> tuple[Split, float]:
    """The one-threshold rule with the highest accuracy on (X, Y), by exhaustive search.

    Every feature, every threshold between two observed values, every class on each side; for a
    fixed threshold the best class on a side is that side's majority, so the search counts once per
    threshold. Ties go to the first found (lowest feature index, lowest threshold).
    """
    best: tuple[Split, float] | None = None
    onehot = np.eye(n_classes, dtype=np.int64)[Y]  # (n, C)
    for f in range(X.shape[1]):
        ts = candidate_thresholds(X[:, f])
        if len(ts) == 0:
            continue
        below = X[None, :, f] < ts[:, None]  # (T, n)
        counts_below = below.astype(np.int64) @ onehot  # (T, C)
        counts_above = onehot.sum(0)[None, :] - counts_below
        correct = counts_below.max(1) + counts_above.max(1)  # (T,)
        k = int(np.argmax(correct))
        acc = correct[k] / len(Y)
        if best is None or acc > best[1]:
            split = Split(f, float(ts[k]), int(counts_below[k].argmax()), int(counts_above[k].argmax()))
            best = (split, float(acc))
    if best is None:
        raise ConfigError("Every flower has the same value of every feature: no rule can split them.")
    return best


# --------------------------------------------------------------------------- the learned model


@dataclass(frozen=True)
class RulesConfig:
    feature_x: str = "petal length"
    feature_y: str = "petal width"
    kind: str = "mlp"  # "logistic" (no hidden layer) or "mlp"
    hidden: int = 8
    lr: float = 0.03
    train_ratio: float = 0.6
    seed: int = 0

    def validate(self) -> None:
        fx, fy = feature_index(self.feature_x), feature_index(self.feature_y)
        if fx == fy:
            raise ConfigError("Choose two different features for the plane.")
        if self.kind not in MODELS:
            raise ConfigError(f"Unknown model '{self.kind}': choose among {', '.join(MODELS)}.")
        if not 1 <= self.hidden <= 64:
            raise ConfigError("Use 1 to 64 hidden units.")
        if not (self.lr > 0 and np.isfinite(self.lr)):
            raise ConfigError("The learning rate must be positive.")
        if not 0.1 <= self.train_ratio <= 0.9:
            raise ConfigError("Keep the training share between 10 % and 90 %.")


class RulesTrainer:
    """Logistic regression or a small MLP on two Iris features, full batch (120 flowers at most)."""

    divergence_advice = "The learning rate is too large: lower it (it applies at once) and press Reset."

    def __init__(self, cfg: RulesConfig):
        cfg.validate()
        self.cfg = cfg
        self.iris = load_iris_data()
        self.fx, self.fy = feature_index(cfg.feature_x), feature_index(cfg.feature_y)
        self.data = self.iris.plane(self.fx, self.fy)
        # rows of the Iris table in each part (the page judges rules on the same flowers)
        self.train_rows, self.test_rows = stratified_split(self.data.Y, cfg.train_ratio, cfg.seed)
        self.train, self.test = self._part(self.train_rows), self._part(self.test_rows)

        torch.manual_seed(cfg.seed)
        X = torch.from_numpy(self.train.X)
        self.mean, self.std = X.mean(0), X.std(0).clamp_min(1e-6)
        self.F_train, self.Y_train = self._features(X), torch.from_numpy(self.train.Y)
        self.F_test, self.Y_test = self._features(torch.from_numpy(self.test.X)), torch.from_numpy(self.test.Y)
        hidden = (cfg.hidden,) if cfg.kind == "mlp" else ()
        self.model = mlp((2, *hidden, len(SPECIES)), "tanh")
        self.opt = make_optimizer("adam", list(self.model.parameters()), cfg.lr, 0.0)
        self.loss_fn = nn.CrossEntropyLoss()
        self.steps = 0
        self._grid = self._make_grid()

    def _part(self, rows: np.ndarray) -> LabelledData:
        return LabelledData(self.data.X[rows], self.data.Y[rows], self.data.class_names, self.data.name)

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def set_live(self, lr: float | None = None) -> None:
        """The settings a page changes without a reset: the learning rate."""
        if lr is not None:
            set_lr(self.opt, lr)

    def step(self) -> dict[str, float]:
        loss = self.loss_fn(self.model(self.F_train), self.Y_train)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.steps += 1
        return {"loss": loss.item(), **self.evaluate()}

    def evaluate(self) -> dict[str, float]:
        return evaluate_parts(self.model, self.loss_fn,
                              (("train", self.F_train, self.Y_train), ("test", self.F_test, self.Y_test)))

    @torch.no_grad()
    def predict(self, X2: np.ndarray) -> np.ndarray:
        """(n, 2) points of the plane -> (n,) predicted classes."""
        return self.model(self._features(torch.from_numpy(np.asarray(X2, dtype=np.float32)))).argmax(1).numpy()

    def _make_grid(self) -> dict[str, np.ndarray]:
        gx, gy, mesh = plot_grid(self.data.X, GRID, pad=0.08, pad_abs=1e-3, dtype=np.float32)
        return {"gx": gx, "gy": gy, "mesh": torch.from_numpy(mesh)}  # mesh (GRID², 2)

    @torch.no_grad()
    def snapshot(self) -> dict[str, Any]:
        """The class probability over the plane, the flowers of each part, and what the page prints:
        the plane's feature columns ``fx``, ``fy``, the Iris rows of the test part ``test_rows`` (the page
        judges the rule on them), the test confusion matrix and the parameter count."""
        g = self._grid
        proba = torch.softmax(self.model(self._features(g["mesh"])), dim=1)  # (GRID², C)
        return {
            "grid_x": g["gx"].copy(),
            "grid_y": g["gy"].copy(),
            "proba": proba.T.reshape(-1, GRID, GRID).numpy().copy(),  # (C, GRID, GRID)
            "X_train": self.train.X.copy(),
            "Y_train": self.train.Y.copy(),
            "X_test": self.test.X.copy(),
            "Y_test": self.test.Y.copy(),
            "fx": self.fx,
            "fy": self.fy,
            "test_rows": self.test_rows.copy(),
            "confusion_test": self.confusion("test"),
            "parameter_count": self.parameter_count(),
        }

    @torch.no_grad()
    def confusion(self, part: str = "test") -> np.ndarray:
        F, Y = (self.F_test, self.Y_test) if part == "test" else (self.F_train, self.Y_train)
        return confusion_matrix(Y.numpy(), self.model(F).argmax(1).numpy())

    def best_rule(self) -> tuple[Split, float, float]:
        """The best single-threshold rule found on the training flowers (all four features), with
        its train and test accuracy: what the learned model is compared with."""
        Xtr, Ytr = self.iris.X[self.train_rows], self.iris.Y[self.train_rows]
        split, train_acc = best_single_rule(Xtr, Ytr)
        Xte, Yte = self.iris.X[self.test_rows], self.iris.Y[self.test_rows]
        return split, train_acc, accuracy(Yte, split.predict(Xte))

    def final_metrics(self) -> dict[str, float | str]:
        split, rule_train, rule_test = self.best_rule()
        return {**self.evaluate(), "best_rule_train_accuracy": rule_train, "best_rule_test_accuracy": rule_test,
                "best_rule": split.describe()}

    def parameter_count(self) -> int:
        return parameter_count(self.model)


def stratified_split(Y: np.ndarray, train_ratio: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted row indices (train, test) with the same share of each class in both parts."""
    rng = np.random.default_rng(seed)
    train_ids, test_ids = [], []
    for c in np.unique(Y):
        ids = rng.permutation(np.flatnonzero(Y == c))
        k = min(max(1, int(round(train_ratio * len(ids)))), len(ids) - 1)
        train_ids.append(ids[:k])
        test_ids.append(ids[k:])
    return np.sort(np.concatenate(train_ids)), np.sort(np.concatenate(test_ids))


# --------------------------------------------------------------------------- CLI


def _cli_arrays(trainer: RulesTrainer) -> dict[str, np.ndarray]:
    snap = trainer.snapshot()
    return {k: snap[k] for k in ("grid_x", "grid_y", "proba", "confusion_test")}


def _cli_models():
    from core.cli import CliModel

    return {
        "rules": CliModel(
            config=RulesConfig,
            make_trainer=RulesTrainer,
            final_metrics=RulesTrainer.final_metrics,
            arrays=_cli_arrays,
            default_steps=500,
            help="Iris: a model learned from two features against the best single-threshold rule",
        )
    }


CLI_MODELS = _cli_models()
