"""actref as a test library: hold any implementation against the reference.

The way ``numpy.testing`` and ``torch.autograd.gradcheck`` are used in other test
suites:

>>> import numpy as np
>>> from actref import testing
>>> def my_sigmoid(x):
...     return 1 / (1 + np.exp(-x))
>>> report = testing.compare(my_sigmoid, "sigmoid")
>>> report.max_ulp > 1e300   # 1 / (1 + inf) flushes sigmoid(-745) to 0: a tiny truth
False
>>> testing.assert_derivative(np.tanh, lambda x: 1 - np.tanh(x) ** 2, [0.0, 0.5, 3.0])

``compare`` measures an implementation (of the function or of its derivative) against
the correctly rounded value of the exact expression, computed by the mpmath oracle
(:mod:`actref.oracle`) on the hard input set (:mod:`actref.hard_inputs`), never against
actref's own NumPy kernels. ``assert_matches_reference`` turns that into an assertion
naming the five worst inputs; ``assert_derivative`` and ``check_jacobian`` /
``assert_jacobian`` hold a hand-written derivative against finite differences
(:mod:`actref.finite_diff`), kink-aware.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from numpy.typing import ArrayLike

from actref.finite_diff import (
    DerivativeCheck,
    JacobianCheck,
    check_derivative,
    check_jacobian,
)

__all__ = [
    "DerivativeCheck",
    "JacobianCheck",
    "assert_derivative",
    "assert_jacobian",
    "check_derivative",
    "check_jacobian",
]


# ================================================================== derivatives
def assert_derivative(
    f: Callable[..., Any],
    df: Callable[..., Any],
    x: ArrayLike,
    *,
    kinks: Iterable[float | Any] = (),
    rtol: float | None = None,
    atol: float | None = None,
    method: Literal["central", "richardson"] = "richardson",
) -> DerivativeCheck:
    """Assert that ``df`` is the derivative of ``f`` at every point of ``x``.

    :func:`actref.finite_diff.check_derivative` with the same arguments; on failure an
    ``AssertionError`` names the count of failing points and the five worst, each as
    ``f'(x=0.0) = 2.0, expected between 0 and 1 (error 1, tolerance 1.5e-08, kink)``.
    At a declared kink any value between the one-sided derivatives passes; a failing
    point without a declared kink where the one-sided derivatives disagree says
    ``kink? pass kinks=[x]``. Returns the check when it passes.

    Examples
    --------
    >>> import numpy as np
    >>> relu = lambda x: np.maximum(x, 0.0)
    >>> relu_grad = lambda x: (x > 0).astype(float)   # 0 at the kink, like PyTorch
    >>> _ = assert_derivative(relu, relu_grad, [-1.0, 0.0, 2.0], kinks=[0.0])
    """
    check = check_derivative(f, df, x, kinks=kinks, method=method, rtol=rtol, atol=atol)
    if not check.ok:
        raise AssertionError(check.describe())
    return check


def assert_jacobian(
    f: Callable[..., Any],
    jac: Callable[..., Any],
    x: ArrayLike,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    method: Literal["central", "richardson"] = "richardson",
) -> JacobianCheck:
    """Assert that ``jac`` is the Jacobian of the vector function ``f`` at ``x``.

    :func:`actref.finite_diff.check_jacobian` (``f``: ``(..., n) -> (..., m)`` over the
    last axis, ``jac``: ``(..., m, n)``); on failure the ``AssertionError`` names the
    worst entry, ``softmax'(x=[1.0, 2.0])[0, 1] = ..., expected ... (error ...)``.
    """
    check = check_jacobian(f, jac, x, method=method, rtol=rtol, atol=atol)
    if not check.ok:
        raise AssertionError(repr(check))
    return check
