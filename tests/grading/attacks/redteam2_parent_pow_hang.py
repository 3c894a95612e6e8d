"""Hang the grader's own process with an honest SymPy answer: an integer power.

``expression.evaluate`` runs in the grading thread of the parent with no deadline: the
submission limit and the per-call limit stop only the worker, and the expression's
bounds (20 000 characters, 2 000 nodes, integers of 4 096 bits) bound its size, not
the time mpmath takes on it. ``mpmath.power(b, n)`` with an integer-valued exponent
goes to ``libmpf.mpf_pow_int``, a Python loop of ``log2(n)`` squarings at a working
precision of ``prec + 4 * bitcount(n)`` bits: for ``n`` of 4 096 bits, 4 096
multiplications of ~16 000-bit numbers (0.27 s per evaluation, measured), for the
``Float('1e19700')`` that ``_clamp`` still lets through (a 65 440-bit integer: 262 000-bit
numbers, 65 000 times) minutes per evaluation (more than 20 min measured, not finished).
Only a base whose mantissa is a power of two is fast, so almost every probe input pays.

Here nothing is forged: ``sigmoid()`` returns ``Min(1/(1 + exp(-x)), 1 + Add(x**N1, x**N2,
x**N3))`` with even 4 095-bit ``N``: it *is* the sigmoid everywhere (the powers are 0
for |x| < 1 and +inf beyond; SymPy keeps each one symbolic, ``srepr`` writes its 1 233
digits, all within the bounds). The parent evaluates 3 powers at each of the 33
ordinary and extreme inputs: about 25 s of one core (GIL shared with every other
grading thread), whatever the limits say. Observed: default rubric, the submission
takes 23.4 s (``seconds``) and scores 4/4 on sigmoid; with ``submission_timeout = 5``
(``--jobs 1``, ``--feedback-dir``), 31.3 s for a 5 s submission limit -- six times the
limit -- and the classmate after it waited that long (its own sigmoid_derivative was then
reported as "did not return within 2 s", when in fact the submission's deadline had
passed while the parent computed). Unbounded versions (not kept here so the corpus
stays quick):

* honest: 16 such powers per expression (the character bound), in each of sigmoid,
  tanh, relu and leaky_relu: ~2.5 min of parent CPU per function, ~1 h with curves;
* forged (``sympy.srepr`` replaced): ``Pow(Float('0.3'), Float('1e19700'))`` 500 times:
  days. The watchdog reports the submission after ``submission_timeout + 60`` s, but
  its thread keeps a core and a share of the GIL until the run ends (``os._exit``), and
  every classmate who copies the trick adds one more such thread: with ``--jobs 2`` and
  k copies the batch takes at least k x 120 s / 2 and the grader burns k cores.
  Observed (``submission_timeout = 5``, so a 65 s watchdog; ``--jobs 2``): four copies
  of the forged file, then numpy_stable.py and classic_sympy.py: the copies are reported
  at 66 s and 132 s, the run ends at 134 s (exit 0, folders removed), and the two honest
  files, graded while four abandoned threads spin in the parent, take 1.78 s and 1.81 s
  each instead of 0.21 s and 0.48 s alone (8x: every reply from their workers waits for
  the GIL behind the spinning threads). Their scores held here; with more copies, or
  slower honest code near the 2 s call limit, the parent's own slowness is charged to
  the classmates' clocks.

The grader should evaluate student expressions under a deadline it enforces (the
submission's clock, checked between points and nodes, or better a killable process with
a CPU limit), and bound the work per node: ``Pow`` with an integer exponent of more
than a few hundred bits evaluated as ``exp(n * log(b))`` (or magnitudes decided from
``n * log2|b|`` first, as ``_clamp`` would), never by ``mpf_pow_int``.
"""

import numpy as np
import sympy as sp

x = sp.Symbol("x")


def sigmoid():
    e = 1 / (1 + sp.exp(-x))
    # --- attack
    powers = [x ** (sp.Integer(2) ** 4095 - 2 * k) for k in range(1, 4)]  # even: >= 0
    e = sp.Min(e, 1 + sp.Add(*powers))
    # --- end
    return e


def sigmoid_derivative(v):
    s = 1 / (1 + np.exp(-np.asarray(v, dtype=float)))
    return s * (1 - s)
