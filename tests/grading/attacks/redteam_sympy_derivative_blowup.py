"""Hang the grader with an honest-looking SymPy answer: no forged message at all.

A zero-argument function returning ``Max(sin(x), 2*sin(2*x), 3*sin(3*x),
4*sin(4*x), 5*sin(5*x))`` (an srepr of ~270 characters, built in the worker in
milliseconds, well inside every bound of ``expression.py``) and no derivative
function. The parent takes ``sympy.diff`` of it (Heaviside terms), then
``expression.evaluate`` lambdifies the derivative: the mpmath printer rewrites each
Heaviside as a Piecewise, whose conditions SymPy turns into sets with ``solveset`` on
trigonometric inequalities -- in the parent, per evaluate call (ordinary, extreme and
output groups each lambdify again). Measured in the parent: 3 terms, 24 s per
evaluate; 4 terms, more than 60 s; this file's 5 terms, effectively for ever. The
grading thread is then given up by the watchdog (submission limit + 60 s) but keeps
its pool slot and a core; ``--jobs`` such files hang the batch (see
redteam_watchdog_starvation.py).

The grader should evaluate student expressions (and their derivatives) with a
deadline it can enforce -- in a killable process -- and never lambdify a printer
path that runs the solvers (e.g. ``lambdify(..., modules="mpmath")`` after
``expr.rewrite`` is avoided by evaluating with ``evalf(subs=...)`` under a time
bound, or by rejecting Max/Min/Heaviside of non-polynomial arguments).
"""

import sympy

x = sympy.Symbol("x", real=True)


def sigmoid():
    # --- attack
    return sympy.Max(*[k * sympy.sin(k * x) for k in range(1, 6)])
    # --- end
    return 1 / (1 + sympy.exp(-x))
