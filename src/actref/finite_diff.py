r"""Finite differences that know their own error, and derivative checks that know kinks.

Three estimators of :math:`f'(x)` for an elementwise (vectorised) ``f``:

``central``
    :math:`D(h) = \frac{f(x+h) - f(x-h)}{2h}`, error :math:`O(h^2)`, exact for
    polynomials of degree ≤ 2; default step :math:`\varepsilon^{1/3}\max(1, |x|)`.
``richardson``
    Richardson extrapolation of :math:`D(h), D(h/2), D(h/4)`, error :math:`O(h^6)`,
    exact for polynomials of degree ≤ 6; default step :math:`\varepsilon^{1/7}\max(1, |x|)`.
``complex``
    the complex step :math:`\operatorname{Im} f(x + ih) / h`: no subtraction, so no
    cancellation; ``f`` must accept complex input (the lambdified SymPy expression
    does, :meth:`actref.Activation.sympy_numpy`).

Every estimate comes back as a :class:`Derivative` carrying an error estimate
(truncation from comparing two step sizes, plus rounding from the dtype's epsilon).
:func:`check_derivative` holds a claimed derivative against them; at a kink it computes
the left and right derivatives with one-sided stencils and accepts any value between
them (any subgradient), and near a kink it differentiates on the side away from it.
:func:`taylor_test` is a step-free second opinion: the remainder
:math:`|f(x+h) - f(x) - h f'(x)|` shrinks like :math:`h^2` when :math:`f'` is right and
like :math:`h` when it is wrong.
"""

# The public finite-difference API, re-exported from the modules that do one job each:
# the estimators (actref.stencils), the kink-aware checks (actref.gradcheck, their
# results in actref.gradcheck_results) and the Taylor test (actref.taylor).
from actref.gradcheck import check_derivative, check_jacobian
from actref.gradcheck_results import KINDS, DerivativeCheck, JacobianCheck, PointCheck
from actref.stencils import (
    METHODS,
    ORDER,
    Derivative,
    Jacobian,
    Method,
    default_step,
    derivative,
    jacobian,
)
from actref.taylor import TaylorTest, taylor_test

__all__ = [
    "KINDS",
    "METHODS",
    "ORDER",
    "Derivative",
    "DerivativeCheck",
    "Jacobian",
    "JacobianCheck",
    "Method",
    "PointCheck",
    "TaylorTest",
    "check_derivative",
    "check_jacobian",
    "default_step",
    "derivative",
    "jacobian",
    "taylor_test",
]
