r"""Finite differences that know their own error, and derivative checks that know kinks.

Three estimators of :math:`f'(x)` — ``central``, ``richardson`` and the ``complex``
step — each returning a :class:`Derivative` with its error estimate (described in
:mod:`actref.stencils`, where they live).
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
