"""Freeze the grader: a SymPy answer that makes the *parent* compute a giant integer
while holding the GIL (every thread, the watchdog included, stops), with memory
growing as it goes.

``expression._check_power`` bounds ``Pow(number, Integer)`` only. A Rational exponent
is not checked: ``Pow(Integer(2), Rational(3 * 2**32 + 1, 3))`` is 2**(2**32) *
2**(1/3), and SymPy's ``Integer._eval_power`` computes 2**(2**32) exactly when the
node is built (``expression._build``), in a single CPython big-integer power that
never releases the GIL. The student's worker sends that ``srepr`` (``sympy.srepr``
replaced at import).

Measured with 2**30 in the exponent: the parent's threads all stop for 15 s and it
peaks at 515 MB; each doubling of the exponent's exponent triples the time and doubles
the memory, so this file's 2**32 freezes the grader for about 2 min and ~2 GB. It is
kept bounded so that the corpus test does not take the test machine down; the real
attack is ``Rational(2**100, 3)`` (a 4096-bit numerator is allowed): the parent grows
by ~80 MB/s with the GIL held until the OOM killer ends it or the machine -- no
watchdog can fire, no report is written.

The grader should bound every numeric node (Rational exponents, the size of any
Integer built, not only literals) or, better, build and evaluate student expressions in
a separate process with memory and CPU limits that the parent can kill.
"""

import sympy

# --- attack
sympy.srepr = lambda expr: f"Pow(Integer(2), Rational({3 * 2**32 + 1}, 3))"
# --- end


def sigmoid():
    x = sympy.Symbol("x")
    return 1 / (1 + sympy.exp(-x))
