r"""``actref verify``: every check on every function, one row each.

For each activation (default parameters):

value and derivative vs SymPy, in ULPs
    The NumPy forward and derivative against the SymPy expression and its
    ``sympy.diff`` derivative, both evaluated exactly by the oracle (mpmath) and
    correctly rounded, on the hard input set (:func:`actref.hard_inputs.hard_inputs`:
    subnormals, the ordinary range, the overflow thresholds, kinks and their
    neighbours, ±inf, nan). The worst error must stay within the function's
    ``ulp_budget``.
derivative vs finite differences
    :func:`actref.finite_diff.check_derivative` (kink-aware; at a kink the convention,
    PyTorch's value, is held exactly) on a grid over the plot range, around every kink
    and out to ±40, in float64
    and float32, and the Taylor-remainder test (observed order ≥ 1.5) in float64.
laws
    Bounds, monotonicity, continuity and one-sided derivatives at the kinks, and every
    identity declared in the registry (:mod:`actref.laws`), on the hard set plus a
    fixed pseudo-random sample.

Every failure names the function and the input, in the shape
``gelu(x=-37.5) = 0.0, expected -1.9e-306 (error 1.2e+293 ULP, budget 4)``, and comes
with one plain sentence saying what went wrong (:attr:`Report.explanations`).
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from actref import contract, finite_diff, laws, oracle, registry, vectors
from actref.comparison import jsonable
from actref.hard_inputs import hard_inputs
from actref.registry import Activation
from actref.vectors import VectorFunction

F64 = NDArray[np.float64]

# 40 log-spaced points per sign in 1e-8 .. 50 on top of the fixed hard points: the
# oracle costs ~10 s for the whole catalogue at this density (400: ~13 s more)
HARD_DENSE = 40


@dataclass
class UlpFigure:
    """The worst ULP error against the oracle and where it occurred."""

    worst: float
    at: float
    budget: float
    actual: float
    expected: float

    @property
    def ok(self) -> bool:
        return self.worst <= self.budget


@dataclass
class Report:
    """One row of ``actref verify``."""

    function: str
    ok: bool
    value_ulp: UlpFigure
    grad_ulp: UlpFigure
    fd_ok: bool
    fd_max_error: float
    fd_worst_x: float
    fd_points: int
    taylor_min_order: float
    laws_passed: int
    laws_total: int
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    vector: bool = False  # a function of a whole vector: no Taylor test, @x = row's first
    # one plain sentence per failure, in the same order (the text output, not the JSON)
    explanations: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (nan and inf become strings, which JSON lacks)."""
        doc = asdict(self)
        del doc["explanations"]
        return jsonable(doc)  # type: ignore[no-any-return]


def _ulp(act: Activation, xs: F64, grad: bool) -> UlpFigure:
    part: contract.Part = "derivative" if grad else "value"
    expected = oracle.true_values(act.dexpr if grad else act.expr, xs)
    with np.errstate(all="ignore"):
        actual = np.asarray(act.grad(xs) if grad else act(xs), dtype=np.float64)
    err = contract.contract_ulp_error(actual, expected)
    i = int(np.argmax(err))
    return UlpFigure(
        worst=float(err[i]),
        at=float(xs[i]),
        budget=contract.budget(act, part),
        actual=float(actual[i]),
        expected=float(expected[i]),
    )


def _ulp_message(act: Activation, fig: UlpFigure, grad: bool) -> str:
    return contract.Finding(
        contract.label(act.name, "derivative" if grad else "value"),
        fig.at,
        fig.actual,
        fig.expected,
        fig.worst,
        budget=fig.budget,
    ).describe()


def _ulp_sentence(act: Activation, fig: UlpFigure, grad: bool) -> str:
    what = f"The derivative {act.name}'" if grad else f"The value {act.name}"
    exact = "the exact derivative (sympy.diff of the formula)" if grad else "the exact value"
    return (
        f"{what}(x={fig.at!r}) is {fig.actual!r}, but {exact} rounds to {fig.expected!r}: "
        f"{fig.worst:.3g} floats (ULPs) off, more than the {fig.budget:g} allowed."
    )


def _fd_sentence(act: Activation, p: finite_diff.PointCheck, dtype: str) -> str:
    if p.kind == "kink convention":
        return (
            f"At the kink x={p.x!r} ({dtype}) the derivative code gives {p.claimed:.6g}, "
            f"but the reference must give PyTorch's convention there, {p.expected:.6g} "
            f"(the slopes on the left and right are {p.left + 0.0:.6g} and "
            f"{p.right + 0.0:.6g})."
        )
    if p.kind == "kink":
        return (
            f"At the kink x={p.x!r} ({dtype}) the derivative code gives {p.claimed:.6g}, "
            f"but only a value between the slope on the left ({p.left + 0.0:.6g}) and on "
            f"the right ({p.right + 0.0:.6g}) is right there."
        )
    return (
        f"At x={p.x!r} ({dtype}) the derivative code says {act.name} has slope "
        f"{p.claimed:.6g}, but the slope measured from {act.name} itself is "
        f"{p.expected:.6g}: the derivative does not match the function."
    )


def _law_sentence(r: laws.LawResult) -> str:
    return (
        f'{r.function} breaks the law "{r.law}" at x={r.worst_x!r}: one side is '
        f"{r.observed!r}, the other {r.expected!r} (tolerance {r.tolerance:.2g})."
    )


def fd_grid(act: Activation) -> F64:
    """Where the derivative is held against finite differences."""
    lo, hi = act.plot_range
    pts = [np.linspace(lo, hi, 161), np.array([-40.0, -20.0, -10.0, 10.0, 20.0, 40.0])]
    for kink in act.kinks:
        k = kink.at
        pts.append(k + np.array([0.0, 1e-12, -1e-12, 1e-6, -1e-6, 1e-3, -1e-3]))
        pts.append(np.array([np.nextafter(k, -np.inf), np.nextafter(k, np.inf)]))
    return np.unique(np.concatenate(pts))


def law_sample(act: Activation) -> F64:
    """The hard set plus a fixed pseudo-random sample (same every run)."""
    rng = np.random.default_rng(20240611)
    return np.concatenate(
        [
            hard_inputs(np.float64, [k.at for k in act.kinks], dense=HARD_DENSE),
            rng.normal(0.0, 4.0, 300),
            rng.uniform(-1e4, 1e4, 100),
        ]
    )


def verify_one(act: Activation) -> Report:
    """Run every check on ``act`` and return its row."""
    start = time.perf_counter()
    failures: list[str] = []
    sentences: list[str] = []
    xs = hard_inputs(np.float64, [k.at for k in act.kinks], dense=HARD_DENSE).astype(np.float64)
    value = _ulp(act, xs, grad=False)
    grad = _ulp(act, xs, grad=True)
    if not value.ok:
        failures.append("value vs SymPy (oracle): " + _ulp_message(act, value, grad=False))
        sentences.append(_ulp_sentence(act, value, grad=False))
    if not grad.ok:
        failures.append("derivative vs SymPy (oracle): " + _ulp_message(act, grad, grad=True))
        sentences.append(_ulp_sentence(act, grad, grad=True))

    grid = fd_grid(act)
    fd_ok = True
    fd_max, fd_worst = 0.0, math.nan
    with np.errstate(all="ignore"):
        for dtype in (np.float64, np.float32):
            # at a kink the reference holds its convention exactly (relu'(0) = 0)
            check = finite_diff.check_derivative(
                act,
                act.grad,
                grid.astype(dtype),
                kinks=(*act.kinks, *act.breakpoints),
                convention=True,
            )
            if check.max_error >= fd_max:
                fd_max, fd_worst = check.max_error, check.worst_x
            if not check.ok:
                fd_ok = False
                bad = max(check.failures, key=lambda p: p.error / max(p.tolerance, 1e-300))
                failures.append(
                    f"derivative vs finite differences ({np.dtype(dtype).name}): "
                    + bad.describe(act.name)
                )
                sentences.append(_fd_sentence(act, bad, np.dtype(dtype).name))
        taylor = finite_diff.taylor_test(act, act.grad, grid, kinks=act.breakpoints)
    orders = taylor.order[np.isfinite(taylor.order)]
    min_order = float(orders.min()) if orders.size else math.nan
    if not taylor.ok:
        fd_ok = False
        failures.append(
            f"Taylor remainder: {act.name}'(x={taylor.worst_x!r}) gives order "
            f"{min_order:.2f} (2 when right, 1 when wrong)"
        )
        sentences.append(
            f"Near x={taylor.worst_x!r} the error of f(x+h) ~ f(x) + h*{act.name}'(x) "
            f"shrinks only like h^{min_order:.2f}, not h^2, as h shrinks: the derivative "
            "is wrong there."
        )

    results = laws.all_laws(act, law_sample(act))
    for r in results:
        if not r.ok:
            failures.append("law " + r.describe())
            sentences.append(_law_sentence(r))
    passed = sum(r.ok for r in results)
    return Report(
        function=act.name,
        ok=not failures,
        value_ulp=value,
        grad_ulp=grad,
        fd_ok=fd_ok,
        fd_max_error=fd_max,
        fd_worst_x=fd_worst,
        fd_points=int(grid.size) * 2,
        taylor_min_order=min_order,
        laws_passed=passed,
        laws_total=len(results),
        failures=failures,
        seconds=time.perf_counter() - start,
        explanations=sentences,
    )


# ------------------------------------------------------------ vector functions
# every VECTOR_ROW_STEP-th hard row (3,666 rows: the oracle costs ~2 s per pass for all)
VECTOR_ROW_STEP = 4


def _vector_ulp(vf: VectorFunction, rows: F64, derivative: bool) -> tuple[UlpFigure, str]:
    """The worst ULP error of ``vf`` (or its Jacobian) against the oracle over ``rows``,
    and the failure message of the worst entry ("" when within budget)."""
    from actref import testing

    fn = vf.jacobian if derivative else vf.forward
    budget = contract.budget(vf, "derivative" if derivative else "value")
    rep = testing.compare(fn, vf.name, derivative=derivative, inputs=rows)
    fig = UlpFigure(float(rep.max_ulp), math.nan, budget, math.nan, math.nan)
    if rep.worst:
        w = rep.worst[0]
        first = w.x[0] if isinstance(w.x, tuple) else w.x
        fig = UlpFigure(w.ulp, float(first), budget, w.got, w.expected)
        if not fig.ok:
            label = f"{vf.name}'" if derivative else vf.name
            return fig, f"{w.describe(label)}, budget {budget:g}"
    return fig, ""


def law_rows(seed: int = 20261130) -> list[F64]:
    """Rows for the laws: even lengths 2 to 12 at three scales, multiples of ``2^-20``
    (so that adding 64 is exact), the same every run."""
    rng = np.random.default_rng(seed)
    out = []
    for n in (2, 4, 6, 8, 12):
        for scale in (1.0, 30.0, 700.0):
            out.append(np.round(rng.normal(0.0, scale, size=(8, n)) * 2.0**20) / 2.0**20)
    return out


def _vector_laws(vf: VectorFunction) -> list[tuple[str, bool, str]]:
    """(law, ok, first counterexample) for each of the entry's laws."""
    out = []
    for law in vf.laws:
        bad: list[str] = []
        with np.errstate(all="ignore"):
            for rows in law_rows():
                bad += law(vf, rows)
        out.append((law.name, not bad, bad[0] if bad else ""))
    return out


def _products(vf: VectorFunction, row: F64) -> str:
    """ "" when ``jvp`` and ``vjp`` agree with the Jacobian at ``row``, else the worst."""
    rng = np.random.default_rng(7)
    jac = vf.jacobian(row)
    v = rng.normal(size=row.shape[-1])
    u = rng.normal(size=vf.out_size(row.shape[-1]))
    n = row.shape[-1]
    for what, got, want, scale in (
        ("jvp", vf.jvp(row, v), jac @ v, np.abs(jac) @ np.abs(v)),
        ("vjp", vf.vjp(row, u), u @ jac, np.abs(u) @ np.abs(jac)),
    ):
        # both sides round each term of the sum: a few n eps of the sum of magnitudes
        if np.any(np.abs(got - want) > 8 * n * EPS64 * scale):
            return (
                f"{vf.name} {what}(x={row.tolist()!r}) = {got.tolist()!r}, "
                f"expected {want.tolist()!r} (the product with the Jacobian)"
            )
    return ""


EPS64 = float(np.finfo(np.float64).eps)


def verify_vector(vf: VectorFunction) -> Report:
    """Every check on a vector function: value and Jacobian against the oracle (ULP, on
    the hard rows), the Jacobian against finite differences, ``jvp`` and ``vjp``
    against the Jacobian, and the entry's laws."""
    start = time.perf_counter()
    failures: list[str] = []
    sentences: list[str] = []
    rows = vf.hard_rows(np.float64)[::VECTOR_ROW_STEP].astype(np.float64)
    value, vmsg = _vector_ulp(vf, rows, derivative=False)
    grad, gmsg = _vector_ulp(vf, rows, derivative=True)
    for msg, what in ((vmsg, "value"), (gmsg, "Jacobian")):
        if msg:
            failures.append(f"{what} vs the oracle: {msg}")
            sentences.append(
                f"The {what} is further from the correctly rounded truth than its budget "
                "allows at the input shown."
            )
    fd_rows = np.array(vf.fd_rows, dtype=np.float64)
    fd_ok, fd_max, fd_worst = True, 0.0, math.nan
    for row in fd_rows:
        with np.errstate(all="ignore"):
            check = finite_diff.check_jacobian(vf.forward, vf.jacobian, row)
            products = _products(vf, row)
        if check.max_error >= fd_max:
            fd_max, fd_worst = check.max_error, float(row[0])
        if not check.ok:
            fd_ok = False
            failures.append("Jacobian vs finite differences: " + check.describe_worst())
            sentences.append(
                "The Jacobian does not match the slopes measured from the function itself."
            )
        if products:
            fd_ok = False
            failures.append("products vs the Jacobian: " + products)
            sentences.append("A Jacobian-vector product does not match the Jacobian.")
    results = _vector_laws(vf)
    for law, ok, example in results:
        if not ok:
            failures.append(f"law {vf.name}: {law}: {example}")
            sentences.append(f"The law '{law}' does not hold at the input shown.")
    return Report(
        function=vf.name,
        ok=not failures,
        value_ulp=value,
        grad_ulp=grad,
        fd_ok=fd_ok,
        fd_max_error=fd_max,
        fd_worst_x=fd_worst,
        fd_points=int(fd_rows.size),
        taylor_min_order=math.nan,
        laws_passed=sum(ok for _, ok, _ in results),
        laws_total=len(results),
        failures=failures,
        seconds=time.perf_counter() - start,
        vector=True,
        explanations=sentences,
    )


Checkable = Activation | VectorFunction


def verify(
    acts: Sequence[Checkable],
    on_start: Callable[[Checkable], None] | None = None,
    jobs: int | None = None,
) -> list[Report]:
    """:func:`verify_one` (or :func:`verify_vector`) for each function, reports in
    order; ``on_start(f)`` before each is waited for. The functions are shared among
    ``jobs`` forked processes (default: one per core) when there are several and each
    is a registered one (it is named to the worker, not pickled): the whole catalogue
    takes half the time on two cores."""
    jobs = min(len(acts), jobs or os.cpu_count() or 1)
    if jobs > 1 and "fork" in mp.get_all_start_methods() and all(map(_registered, acts)):
        with ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork")) as pool:
            futures = [pool.submit(_verify_named, _named(act)) for act in acts]
            reports = []
            for act, fut in zip(acts, futures, strict=True):
                if on_start is not None:
                    on_start(act)
                reports.append(fut.result())
            return reports
    reports = []
    for act in acts:
        if on_start is not None:
            on_start(act)
        reports.append(_verify_any(act))
    return reports


def _verify_any(act: Checkable) -> Report:
    return verify_vector(act) if isinstance(act, VectorFunction) else verify_one(act)


def _registered(act: Checkable) -> bool:
    """Whether the registry (or the vector table) gives back ``act`` from its name."""
    if isinstance(act, VectorFunction):
        return vectors.vector(act.name) is act
    try:
        return registry.get(act.name, **act.params) == act
    except (LookupError, ValueError, TypeError):
        return False


def _named(act: Checkable) -> tuple[str, dict[str, float]] | str:
    return act.name if isinstance(act, VectorFunction) else (act.name, act.params)


def _verify_named(named: tuple[str, dict[str, float]] | str) -> Report:
    if isinstance(named, str):
        vf = vectors.vector(named)
        assert vf is not None
        return verify_vector(vf)
    name, params = named
    return verify_one(registry.get(name, **params))


def _fmt_x(v: float) -> str:
    return f"{v:.4g}"


def _fmt_ulp(fig: UlpFigure) -> str:
    where = f" @{_fmt_x(fig.at)}" if fig.worst > 0 else ""  # exact everywhere: no "where"
    return f"{fig.worst:.3g} ({fig.budget:g}){where}"


def format_table(reports: Sequence[Report], wall: float | None = None) -> str:
    """The text table: one row per function, failures listed under it."""
    head = (
        "function",
        "f ULP (budget) @x",
        "f' ULP (budget) @x",
        "FD max err @x",
        "Taylor",
        "laws",
        "result",
    )
    rows = [head]
    for r in reports:
        rows.append(
            (
                r.function,
                _fmt_ulp(r.value_ulp),
                _fmt_ulp(r.grad_ulp),
                f"{r.fd_max_error:.2g} @{_fmt_x(r.fd_worst_x)}",
                "-"
                if r.vector
                else f"{r.taylor_min_order:.2f}"
                if math.isfinite(r.taylor_min_order)
                else "linear",
                f"{r.laws_passed}/{r.laws_total}",
                "ok" if r.ok else "FAIL",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    failed = [r for r in reports if not r.ok]
    if failed:
        lines.append("")
        for r in failed:
            for msg, sentence in zip(r.failures, _sentences(r), strict=True):
                lines.append(f"FAIL {r.function}: {msg}")
                if sentence:
                    lines.append(f"     {sentence}")
    lines.append("")
    lines.append(summary(reports, wall))
    return "\n".join(lines)


def _sentences(r: Report) -> list[str]:
    # a report built by hand may carry failures without sentences
    return (r.explanations + [""] * len(r.failures))[: len(r.failures)]


def explain(reports: Sequence[Report]) -> list[str]:
    """One plain sentence per failure, each starting with the function's name."""
    return [f"{r.function}: {s}" for r in reports for s in _sentences(r) if s]


def summary(reports: Sequence[Report], wall: float | None = None) -> str:
    """The closing line: how many functions were verified, the time taken (``wall``,
    when given: the checks' own times add up to more when they ran side by side),
    which failed."""
    failed = [r.function for r in reports if not r.ok]
    total = sum(r.seconds for r in reports)
    took = f"{total:.1f} s" if wall is None else f"{wall:.1f} s ({total:.1f} s of checks)"
    return f"{len(reports) - len(failed)} of {len(reports)} functions verified in {took}" + (
        "" if not failed else f"; failed: {', '.join(failed)}"
    )
