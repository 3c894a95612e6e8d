"""The results of the derivative checks (:mod:`actref.gradcheck`), with their messages.

:class:`PointCheck` is the verdict at one point of :func:`~actref.gradcheck.check_derivative`,
:class:`DerivativeCheck` the verdict over every point (per-point detail in flat arrays,
:class:`PointCheck` objects built on demand), :class:`JacobianCheck` the verdict of
:func:`~actref.gradcheck.check_jacobian`. Every message has the shape
``f'(x=0.0) = 2.0, expected 1.0 (error 1e+00, tolerance 3e-10, smooth)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["KINDS", "DerivativeCheck", "JacobianCheck", "PointCheck"]

F64 = NDArray[np.float64]

KINDS: tuple[str, ...] = ("smooth", "near-kink", "kink", "kink convention")
SMOOTH, NEAR, KINK, CONVENTION = 0, 1, 2, 3


@dataclass(frozen=True)
class PointCheck:
    """The verdict at one point of :func:`check_derivative`.

    ``kind`` is ``"smooth"`` (central stencil clear of every kink), ``"near-kink"``
    (differentiated with a one-sided stencil on the side away from the kink) or
    ``"kink"`` (at the kink: ``claimed`` must lie in ``[left, right]``, widened by the
    tolerance). ``error`` is the absolute distance from ``claimed`` to the accepted
    value or interval; ``tolerance`` is four times the finite-difference error
    estimate plus ``rtol`` times ``|expected|`` plus ``atol``. ``suspected_kink`` marks
    a failing point where no kink was declared but the one-sided derivatives
    ``left`` and ``right`` disagree: most likely an undeclared kink.
    """

    x: float
    claimed: float
    expected: float
    left: float
    right: float
    error: float
    tolerance: float
    kind: str
    ok: bool
    suspected_kink: bool = False

    def describe(self, name: str = "f") -> str:
        """``f'(x=0.0) = 2.0, expected 1.0 (error 1e+00, tolerance 3e-10, smooth)``."""
        if self.kind == "kink":
            want = (
                f"between {self.left + 0.0:.6g} and {self.right + 0.0:.6g} (one-sided derivatives)"
            )
        elif self.kind == "kink convention":
            want = (
                f"{self.expected:.17g}, the convention at the kink (one-sided derivatives "
                f"{self.left + 0.0:.6g} and {self.right + 0.0:.6g})"
            )
        else:
            want = f"{self.expected:.17g}"
        hint = ""
        if self.suspected_kink:
            hint = (
                f"; the one-sided derivatives are {self.left + 0.0:.6g} and "
                f"{self.right + 0.0:.6g}: kink? pass kinks=[{self.x!r}]"
            )
        return (
            f"{name}'(x={self.x!r}) = {self.claimed!r}, expected {want} "
            f"(error {self.error:.2g}, tolerance {self.tolerance:.2g}, {self.kind}){hint}"
        )


@dataclass(frozen=True, eq=False, repr=False)
class DerivativeCheck:
    """The result of :func:`check_derivative`; true when every point passed.

    ``ok`` is true when every point passed (``bool(check)`` is ``check.ok``, so
    ``assert check_derivative(f, df, x)`` works). ``max_error`` is the largest
    absolute error; ``worst`` is the point with the largest error-to-tolerance ratio
    (the one that fails worst, or comes closest to failing) and ``worst_x`` its
    abscissa. The per-point detail is kept in flat float64 arrays (``x``,
    ``claimed``, ``expected``, ``left``, ``right``, ``error``, ``tolerance``), a
    boolean array ``passed``, and ``kind_codes`` (indices into :data:`KINDS`);
    :attr:`points` and :attr:`failures` build :class:`PointCheck` objects on demand.
    """

    ok: bool
    max_error: float
    worst_index: int
    name: str
    x: F64
    claimed: F64
    expected: F64
    left: F64
    right: F64
    error: F64
    tolerance: F64
    kind_codes: NDArray[np.int8]
    passed: NDArray[np.bool_]
    suspected_kink: NDArray[np.bool_]

    def __bool__(self) -> bool:
        return self.ok

    @property
    def worst(self) -> PointCheck:
        """The point with the largest error-to-tolerance ratio."""
        return self.point(self.worst_index)

    @property
    def worst_x(self) -> float:
        """The abscissa of :attr:`worst`."""
        return float(self.x[self.worst_index])

    def __len__(self) -> int:
        return int(self.x.size)

    def __repr__(self) -> str:
        n = self.x.size
        if self.ok:
            return (
                f"DerivativeCheck(ok, {n} point{'s' * (n != 1)}, max error {self.max_error:.2g})"
            )
        bad = int(np.count_nonzero(~self.passed))
        return (
            f"DerivativeCheck(failed at {bad} of {n} point{'s' * (n != 1)}; worst: "
            f"{self.worst.describe(self.name)})"
        )

    def point(self, i: int) -> PointCheck:
        """The verdict at the ``i``-th point (of ``x`` flattened)."""
        return PointCheck(
            x=float(self.x[i]),
            claimed=float(self.claimed[i]),
            expected=float(self.expected[i]),
            left=float(self.left[i]),
            right=float(self.right[i]),
            error=float(self.error[i]),
            tolerance=float(self.tolerance[i]),
            kind=KINDS[int(self.kind_codes[i])],
            ok=bool(self.passed[i]),
            suspected_kink=bool(self.suspected_kink[i]),
        )

    @property
    def points(self) -> tuple[PointCheck, ...]:
        """Every point's verdict (built on demand: one object per point)."""
        return tuple(self.point(i) for i in range(self.x.size))

    @property
    def failures(self) -> tuple[PointCheck, ...]:
        """The points that did not pass."""
        return tuple(self.point(int(i)) for i in np.flatnonzero(~self.passed))

    @property
    def kinds(self) -> NDArray[np.str_]:
        """The kind of every point as strings (``"smooth"``, ``"near-kink"``, ``"kink"``)."""
        return np.array(KINDS)[self.kind_codes]

    def describe(self) -> str:
        """One line per failing point (at most 5) after a count, or one line when it passed."""
        if self.ok:
            return repr(self)
        bad = np.flatnonzero(~self.passed)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(self.error[bad] == 0, 0.0, self.error[bad] / self.tolerance[bad])
        order = bad[np.argsort(-ratio, kind="stable")][:5]
        lines = [f"{self.name}': {bad.size} of {self.x.size} points fail; the worst:"]
        lines += [f"  {self.point(int(i)).describe(self.name)}" for i in order]
        return "\n".join(lines)


@dataclass(frozen=True, eq=False, repr=False)
class JacobianCheck:
    """The result of :func:`check_jacobian`; true when every entry passed.

    ``x`` is the input (float64), ``claimed``, ``expected``, ``error`` and ``tolerance``
    have the Jacobian's shape ``(..., m, n)``; ``worst_index`` is the index of the
    entry with the largest error-to-tolerance ratio.
    """

    ok: bool
    max_error: float
    worst_index: tuple[int, ...]
    name: str
    x: F64
    claimed: F64
    expected: F64
    error: F64
    tolerance: F64

    def __bool__(self) -> bool:
        return self.ok

    def describe_worst(self) -> str:
        """``softmax'(x=[1.0, 2.0])[0, 1] = 0.5, expected -0.19661193324148185 (...)``."""
        idx = self.worst_index
        row = self.x[idx[:-2]] if self.x.ndim > 1 else self.x
        where = ", ".join(str(i) for i in idx)
        return (
            f"{self.name}'(x={[float(v) for v in row]!r})[{where}] = {float(self.claimed[idx])!r}, "
            f"expected {float(self.expected[idx]):.17g} (error {float(self.error[idx]):.2g}, "
            f"tolerance {float(self.tolerance[idx]):.2g})"
        )

    def __repr__(self) -> str:
        if self.ok:
            return f"JacobianCheck(ok, {self.error.size} entries, max error {self.max_error:.2g})"
        bad = int(np.count_nonzero(~(self.error <= self.tolerance)))
        return (
            f"JacobianCheck(failed at {bad} of {self.error.size} entries; worst: "
            f"{self.describe_worst()})"
        )
