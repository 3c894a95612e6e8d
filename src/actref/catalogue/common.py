"""What several families' entries share: Piecewise shorthand and law templates."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from actref.activation import Law


def pw(*pieces: tuple[Any, Any]) -> sympy.Piecewise:
    return sympy.Piecewise(*pieces)


def odd(name: str) -> Law:
    return Law(
        f"{name}(-x) = -{name}(x)",
        lambda a, v, other: a(-v),
        lambda a, v, other: -a(v),
        lambda a, v, other: np.abs(a(v)) + np.abs(a(-v)),
        ops=0,
    )


def minus_mirror_is_x(name: str) -> Law:
    # f(x) - f(-x) = x holds for every f(x) = x g(x) with g(x) + g(-x) = 1
    return Law(
        f"{name}(x) - {name}(-x) = x",
        lambda a, v, other: a(v) - a(-v),
        lambda a, v, other: v,
        lambda a, v, other: np.abs(a(v)) + np.abs(a(-v)) + np.abs(v),
        ops=1,
    )
