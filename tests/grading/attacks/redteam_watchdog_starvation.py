"""Hang the batch: a SymPy answer whose evaluation in the parent never ends, and a
watchdog that gives up on the grading thread but not on its pool slot.

The worker is the student's process, so the ``srepr`` text it hands the parent is the
student's choice (here: ``sympy.srepr`` replaced at import). The parent rebuilds
``Pow(Integer(2), Float('1e100000'))``: the Float string is short (< 80 chars) and the
whitelist accepts it; SymPy makes a Float with a 332 000-bit exponent at once. Then
``expression.evaluate`` falls back to ``expr.subs(...).evalf(60)`` and
``mpmath.mpf(str(value))``: printing that Float computes 10**(huge) in mpmath's
``to_digits_exp`` -- in the parent, forever (memory stays small, one core busy).

The watchdog (``batch.grade_files``) marks the submission an error after
``submission_timeout + 60`` s, but the thread is still running inside the
ThreadPoolExecutor: with ``--jobs N``, N such submissions (or one with ``--jobs 1``)
leave no thread to take the next submission, which never starts, so its watchdog clock
never starts either: the batch hangs for ever (the worker of the stuck submission, as
nobody, stays alive too, and the report holds only what finished). Observed: ``actref
grade redteam_watchdog_starvation.py numpy_stable.py --jobs 1`` with a 5 s submission
limit: the attack is reported after 67.7 s, numpy_stable.py is never graded, the
process runs until killed.

The grader should bound the parent's own work on student data (evaluate SymPy answers
in a separate, killable process with a CPU/memory limit, or reject non-finite/huge
numbers before printing them), and the watchdog should free the slot (a fresh thread
per submission rather than a fixed pool) and time queued submissions too.
"""

import sympy

# --- attack
sympy.srepr = lambda expr: "Pow(Integer(2), Float('1e100000', precision=53))"
# --- end


def sigmoid():
    x = sympy.Symbol("x")
    return 1 / (1 + sympy.exp(-x))


def tanh():
    return sympy.tanh(sympy.Symbol("x"))
