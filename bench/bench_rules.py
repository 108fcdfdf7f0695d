"""Does the learned model beat the best single-threshold rule on Iris? (issue 3's bar)

For several split seeds: the best one-threshold rule is found by exhaustive search on the training
flowers (all four features, every threshold, every class per side) and judged on the test flowers;
the page's learned models (logistic regression and the one-hidden-layer MLP on two chosen features)
are trained on the same training flowers and judged on the same test flowers. Prints each run and
the mean test accuracies with their difference and ratio.

    python bench/bench_rules.py [--seeds 5] [--steps 500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.rules import FEATURES, RulesConfig, RulesTrainer  # noqa: E402

PLANES = (("petal length", "petal width"), ("sepal length", "sepal width"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args()
    print(f"Iris, 60 % train / 40 % test (stratified), {args.steps} full-batch Adam steps, seeds 0..{args.seeds - 1}")
    print(f"{'plane':28s} {'model':9s} {'seed':>4s} {'model test':>10s} {'rule test':>9s}  best single rule (train)")
    for fx, fy in PLANES:
        for kind in ("logistic", "mlp"):
            model_acc, rule_acc = [], []
            t0 = time.perf_counter()
            for seed in range(args.seeds):
                trainer = RulesTrainer(RulesConfig(feature_x=fx, feature_y=fy, kind=kind, seed=seed))
                for _ in range(args.steps):
                    trainer.step()
                final = trainer.final_metrics()
                model_acc.append(final["test_accuracy"])
                rule_acc.append(final["best_rule_test_accuracy"])
                print(f"{fx + ' × ' + fy:28s} {kind:9s} {seed:4d} {final['test_accuracy']:10.1%} "
                      f"{final['best_rule_test_accuracy']:9.1%}  {final['best_rule']}")
            m, r = statistics.mean(model_acc), statistics.mean(rule_acc)
            print(f"  mean: learned {m:.1%} against best single rule {r:.1%}: +{(m - r) * 100:.1f} points, "
                  f"ratio {m / r:.2f}; learned wins in {sum(a > b for a, b in zip(model_acc, rule_acc))} of "
                  f"{args.seeds} splits ({time.perf_counter() - t0:.1f} s)")
    print(f"(features available to the rule search: {', '.join(FEATURES)})")


if __name__ == "__main__":
    main()
