"""Solving the flow ODE ``dx/dt = v(t, x)`` with a budget of network evaluations (NFE).

Euler (1 evaluation per step), the midpoint rule (RK2, 2) and classic Runge-Kutta 4 (4), in equal
steps from ``t0`` to ``t1``. Flow matching samples with them (core/flow.py); the race against
diffusion at equal NFE is core/flow_vs_diffusion.py.
"""

from __future__ import annotations

from typing import Callable

import torch

from core.errors import ConfigError

SOLVERS = {"euler": 1, "midpoint": 2, "rk4": 4}  # solver -> network evaluations per step
SOLVER_LABELS = {"euler": "Euler", "midpoint": "Midpoint (RK2)", "rk4": "Runge-Kutta 4"}
Velocity = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (t scalar, x (n, 2)) -> (n, 2)


def steps_for_nfe(nfe: int, solver: str) -> int:
    """The most steps of ``solver`` that fit in ``nfe`` network evaluations (at least one)."""
    return max(1, int(nfe) // SOLVERS[solver])


@torch.no_grad()
def integrate(v: Velocity, x0: torch.Tensor, steps: int, solver: str = "euler", t0: float = 0.0,
              t1: float = 1.0, keep_path: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Solve dx/dt = v(t, x) from x(t0) = x0 (n, d) to t1 in ``steps`` equal steps.

    Returns (x(t1) (n, d), the path (steps + 1, n, d) if ``keep_path`` else None).
    """
    if solver not in SOLVERS:
        raise ConfigError(f"Unknown solver '{solver}'.")
    h = (t1 - t0) / steps
    at = lambda t: torch.tensor(t, dtype=x0.dtype)  # noqa: E731 - the time as a scalar tensor
    x = x0
    path = [x] if keep_path else None
    for k in range(steps):
        t = t0 + k * h
        if solver == "euler":
            x = x + h * v(at(t), x)
        elif solver == "midpoint":
            x = x + h * v(at(t + h / 2), x + h / 2 * v(at(t), x))
        else:  # classic RK4
            k1 = v(at(t), x)
            k2 = v(at(t + h / 2), x + h / 2 * k1)
            k3 = v(at(t + h / 2), x + h / 2 * k2)
            k4 = v(at(t + h), x + h * k3)
            x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if keep_path:
            path.append(x)
    return x, (torch.stack(path) if keep_path else None)
