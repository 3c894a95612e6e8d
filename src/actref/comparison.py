"""The report of :func:`actref.testing.compare`: every output entry against the
correctly rounded truth, the worst ones, the limits, nan, kinks and the regions."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from actref import contract
from actref.hard_inputs import EXP_THRESHOLDS

__all__ = ["ComparisonReport", "KinkValue", "Mismatch", "RegionSummary", "jsonable", "region_of"]


@dataclass(frozen=True)
class Mismatch:
    """One output entry off the reference: where, what came back, what is true."""

    x: float | tuple[float, ...]  # the input (a whole row for a vector function)
    index: tuple[int, ...]  # position of the entry in the output
    got: float
    expected: float
    ulp: float
    abs_error: float
    rel_error: float
    region: str

    def describe(self, label: str, params: str = "") -> str:
        """``gelu(x=-37.5) = 0.0, expected -1.9e-306 (error 1.2e+293 ULP)``."""
        return self.finding(label, params).describe()

    def finding(self, label: str, params: str = "") -> contract.Finding:
        """This entry as the contract's :class:`~actref.contract.Finding`."""
        row = isinstance(self.x, tuple)
        return contract.Finding(
            label, self.x, self.got, self.expected, self.ulp, params, self.index[1:] if row else ()
        )


@dataclass(frozen=True)
class KinkValue:
    """The derivative returned at a kink, against the convention and the subgradient."""

    x: float
    got: float
    convention: float
    left: float
    right: float

    @property
    def subgradient(self) -> bool:
        """Between the one-sided derivatives (what any convention must satisfy)."""
        return min(self.left, self.right) <= self.got <= max(self.left, self.right)

    @property
    def matches_convention(self) -> bool:
        """Equal to actref's (PyTorch's) value there."""
        return self.got == self.convention


@dataclass(frozen=True)
class RegionSummary:
    """Inputs of one region: how many, and the worst error among them."""

    region: str
    count: int
    max_ulp: float
    worst_x: float | tuple[float, ...] | None


_REGIONS = (
    "ordinary",
    "near zero",
    "subnormal",
    "kinks",
    "thresholds",
    "far tails",
    "±inf",
    "nan",
)


def region_of(xs: NDArray[np.floating], breakpoints: Iterable[float]) -> NDArray[np.str_]:
    """The region of each input: far tails (|x| > 50), near zero (< 1e-8), subnormal
    inputs, the exp thresholds (±2 ULP), kinks (±3 ULP), ±inf, nan, else ordinary."""
    dt = xs.dtype
    x = xs.astype(np.float64)
    ax = np.abs(x)
    out = np.full(x.shape, "ordinary", dtype="<U10")
    with np.errstate(invalid="ignore"):
        out[ax > 50] = "far tails"
        for t in EXP_THRESHOLDS:
            tt = float(dt.type(t))
            if math.isfinite(tt):
                out[np.abs(ax - tt) <= 2 * float(np.spacing(dt.type(t)))] = "thresholds"
        out[ax < 1e-8] = "near zero"
        out[(ax > 0) & (ax < float(np.finfo(dt).smallest_normal))] = "subnormal"
        for k in breakpoints:
            near = x == k
            if k != 0:
                near |= np.abs(x - k) <= 3 * float(np.spacing(dt.type(abs(k))))
            out[near] = "kinks"
    out[np.isinf(x)] = "±inf"
    out[np.isnan(x)] = "nan"
    return out


@dataclass(frozen=True, eq=False, repr=False)
class ComparisonReport:
    """An implementation against the correctly rounded reference, from :func:`compare`.

    The arrays hold every output entry: ``inputs`` (``(N,)``, or rows ``(m, n)`` for a
    vector function), ``got`` and ``truth`` (the output's shape, float64 holding values
    of ``dtype``), ``ulp`` (distance in ULPs of ``dtype``; 0 at a kink where the
    derivative lies between the one-sided derivatives), ``abs_error``, ``rel_error``,
    ``region`` per entry and ``finite_input`` / ``limit_input`` / ``nan_input`` masks.
    The summary properties (:attr:`max_ulp`, :attr:`worst`, ...) count the ordinary
    entries: finite input, finite result and truth, and (``ignore_underflow``) not an
    underflow, a tiny true value returned as another number below the smallest normal.
    """

    name: str
    params: dict[str, float]
    dtype: np.dtype[np.floating]
    derivative: bool
    inputs: NDArray[np.floating]
    got: NDArray[np.float64]
    truth: NDArray[np.float64]
    ulp: NDArray[np.float64]
    abs_error: NDArray[np.float64]
    rel_error: NDArray[np.float64]
    region: NDArray[np.str_]
    finite_input: NDArray[np.bool_]
    limit_input: NDArray[np.bool_]
    nan_input: NDArray[np.bool_]
    at_kink: NDArray[np.bool_]
    kinks: tuple[KinkValue, ...]
    default_max_ulp: float
    ignore_underflow: bool = True
    scalar_only: bool = False
    warnings: tuple[str, ...] = field(default=())

    # ------------------------------------------------------------- labels
    @property
    def label(self) -> str:
        """``gelu`` or ``gelu'``."""
        return f"{self.name}'" if self.derivative else self.name

    @property
    def params_text(self) -> str:
        return contract.params_text(self.params)

    # ------------------------------------------------------------- masks
    @property
    def underflow(self) -> NDArray[np.bool_]:
        """Entries the contract does not hold to ULPs (:func:`actref.contract.not_held`:
        a subnormal true value, and a result below the smallest normal number too) that
        differ from the truth: flush-to-zero and its kin."""
        return contract.not_held(self.got, self.truth, self.dtype) & (self.ulp > 0)

    @property
    def ordinary(self) -> NDArray[np.bool_]:
        """The entries the summary counts (see the class docstring)."""
        mask = self.finite_input & np.isfinite(self.got) & np.isfinite(self.truth)
        return mask & ~self.underflow if self.ignore_underflow else mask

    @property
    def wrong_nonfinite(self) -> tuple[Mismatch, ...]:
        """Finite inputs where the result is inf or nan and the truth is not, or the
        truth is inf and the result differs."""
        with np.errstate(invalid="ignore"):
            bad = self.finite_input & (
                (~np.isfinite(self.got) | ~np.isfinite(self.truth)) & (self.ulp > 0)
            )
        return self._mismatches(bad)

    @property
    def wrong_limits(self) -> tuple[Mismatch, ...]:
        """Inputs of ±inf where the result is not the limit (one rounding allowed)."""
        return self._mismatches(self.limit_input & (self.ulp > 1))

    @property
    def wrong_nan(self) -> tuple[Mismatch, ...]:
        """nan inputs whose result is not nan."""
        return self._mismatches(self.nan_input & (self.ulp > 0))

    # ------------------------------------------------------------- summary
    def _entry_x(self, idx: tuple[int, ...]) -> float | tuple[float, ...]:
        if self.inputs.ndim == 1:
            return float(self.inputs[idx[0]])
        return tuple(float(v) for v in self.inputs[idx[0]])

    def _mismatch(self, flat: int) -> Mismatch:
        idx = tuple(int(i) for i in np.unravel_index(flat, self.got.shape))
        return Mismatch(
            x=self._entry_x(idx),
            index=idx,
            got=float(self.got[idx]),
            expected=float(self.truth[idx]),
            ulp=float(self.ulp[idx]),
            abs_error=float(self.abs_error[idx]),
            rel_error=float(self.rel_error[idx]),
            region=str(self.region[idx]),
        )

    def _mismatches(
        self, mask: NDArray[np.bool_], limit: int | None = None
    ) -> tuple[Mismatch, ...]:
        flat = np.flatnonzero(mask.ravel())
        order = flat[np.argsort(-self.ulp.ravel()[flat], kind="stable")]
        return tuple(self._mismatch(int(i)) for i in order[:limit])

    def _max(self, values: NDArray[np.float64]) -> tuple[float, Mismatch | None]:
        mask = self.ordinary
        if not mask.any():
            return 0.0, None
        masked = np.where(mask, values, -1.0).ravel()
        i = int(np.argmax(masked))
        return float(masked[i]), self._mismatch(i)

    @property
    def max_ulp(self) -> float:
        """The worst error in ULPs over the ordinary entries."""
        return self._max(self.ulp)[0]

    @property
    def max_abs(self) -> float:
        """The worst absolute error over the ordinary entries."""
        return self._max(self.abs_error)[0]

    @property
    def max_rel(self) -> float:
        """The worst relative error over the ordinary entries (where the truth is not 0)."""
        return self._max(self.rel_error)[0]

    @property
    def worst(self) -> tuple[Mismatch, ...]:
        """The five ordinary entries with the largest ULP error (those above 0)."""
        return self._mismatches(self.ordinary & (self.ulp > 0), 5)

    @property
    def nan_ok(self) -> bool:
        """Every nan input gave nan."""
        return not self.wrong_nan

    @property
    def regions(self) -> tuple[RegionSummary, ...]:
        """Per region: the number of entries and the worst ULP error there (non-finite
        results included; underflows left out when ``ignore_underflow``)."""
        counted = ~self.underflow if self.ignore_underflow else np.ones(self.ulp.shape, bool)
        out = []
        for name in _REGIONS:
            mask = self.region == name
            if not mask.any():
                continue
            errs = np.where(mask & counted, self.ulp, -1.0).ravel()
            i = int(np.argmax(errs))
            worst = (
                self._entry_x(tuple(int(j) for j in np.unravel_index(i, self.got.shape)))
                if errs[i] > 0
                else None
            )
            out.append(RegionSummary(name, int(mask.sum()), max(0.0, float(errs[i])), worst))
        return tuple(out)

    # ------------------------------------------------------------- verdicts
    def failing(
        self,
        max_ulp: float | None = None,
        atol: float = 0.0,
        rtol: float = 0.0,
        *,
        ignore_underflow: bool | None = None,
    ) -> NDArray[np.bool_]:
        """The entries outside the bound, as a mask of the output's shape.

        An entry passes when it is within ``max_ulp`` ULPs of the truth, or
        ``|got - truth| <= atol + rtol·|truth|``, or (``ignore_underflow``) both are
        below the smallest normal number. nan must give nan; an infinite truth must be
        met exactly. With no bound at all, ``max_ulp`` is actref's own budget for the
        function (:attr:`default_max_ulp`).
        """
        atol = _nonneg(atol, "atol")
        rtol = _nonneg(rtol, "rtol")
        if max_ulp is None and atol == 0 and rtol == 0:
            max_ulp = self.default_max_ulp
        ulp_ok = self.ulp <= (_nonneg(max_ulp, "max_ulp") if max_ulp is not None else -1.0)
        with np.errstate(invalid="ignore", over="ignore"):
            close = np.abs(self.got - self.truth) <= atol + rtol * np.abs(self.truth)
        close &= np.isfinite(self.truth)
        passed = ulp_ok | close | (self.ulp == 0)
        ignore = self.ignore_underflow if ignore_underflow is None else ignore_underflow
        if ignore:
            passed |= self.underflow
        failing: NDArray[np.bool_] = ~passed
        return failing

    def failures(
        self,
        max_ulp: float | None = None,
        atol: float = 0.0,
        rtol: float = 0.0,
        *,
        ignore_underflow: bool | None = None,
        limit: int | None = None,
    ) -> tuple[Mismatch, ...]:
        """The entries outside the bound (see :meth:`failing`), worst first."""
        bad = self.failing(max_ulp, atol, rtol, ignore_underflow=ignore_underflow)
        return self._mismatches(bad, limit)

    def __repr__(self) -> str:
        return (
            f"ComparisonReport({self.label}, {self.dtype.name}, {self.got.size} entries, "
            f"max {self.max_ulp:.3g} ULP, {len(self.wrong_nonfinite)} wrong non-finite, "
            f"{len(self.wrong_limits)} wrong limits, nan {'ok' if self.nan_ok else 'wrong'})"
        )

    # ------------------------------------------------------------- output
    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no per-entry arrays; inf and nan as strings)."""
        data: dict[str, Any] = jsonable(self._as_dict())
        return data

    def _as_dict(self) -> dict[str, Any]:

        def mm(m: Mismatch) -> dict[str, Any]:
            return {
                "x": list(m.x) if isinstance(m.x, tuple) else _num(m.x),
                "index": list(m.index),
                "got": _num(m.got),
                "expected": _num(m.expected),
                "ulp": _num(m.ulp),
                "abs_error": _num(m.abs_error),
                "rel_error": _num(m.rel_error),
                "region": m.region,
                "message": m.describe(self.label, self.params_text),
            }

        return {
            "function": self.name,
            "derivative": self.derivative,
            "params": self.params,
            "dtype": self.dtype.name,
            "entries": int(self.got.size),
            "max_ulp": _num(self.max_ulp),
            "max_abs": _num(self.max_abs),
            "max_rel": _num(self.max_rel),
            "worst": [mm(m) for m in self.worst],
            "wrong_nonfinite": [mm(m) for m in self.wrong_nonfinite],
            "wrong_limits": [mm(m) for m in self.wrong_limits],
            "wrong_nan": [mm(m) for m in self.wrong_nan],
            "underflow": int(self.underflow.sum()),
            "ignore_underflow": self.ignore_underflow,
            "kinks": [
                {
                    "x": k.x,
                    "got": _num(k.got),
                    "convention": k.convention,
                    "left": k.left,
                    "right": k.right,
                    "subgradient": k.subgradient,
                    "matches_convention": k.matches_convention,
                }
                for k in self.kinks
            ],
            "regions": [
                {
                    "region": r.region,
                    "count": r.count,
                    "max_ulp": _num(r.max_ulp),
                    "worst_x": list(r.worst_x) if isinstance(r.worst_x, tuple) else r.worst_x,
                }
                for r in self.regions
            ],
            "scalar_only": self.scalar_only,
            "warnings": list(self.warnings),
        }

    def format(self, fmt: Literal["text", "json", "md"] = "text") -> str:
        """The report as ``text`` (for a terminal), ``json`` or ``md`` (Markdown)."""
        if fmt == "json":
            return json.dumps(self.as_dict(), indent=2, allow_nan=False)
        if fmt not in ("text", "md"):
            raise ValueError(f"`fmt` must be 'text', 'json' or 'md'; got {fmt!r}.")
        md = fmt == "md"
        lab, ptxt = self.label, self.params_text
        lines = [
            (f"## {lab}" if md else lab)
            + f"{'(' + ptxt[2:] + ')' if ptxt else ''}: {self.dtype.name}, "
            f"{self.got.size} entries against the correctly rounded oracle",
            "",
        ]
        bullet = "- " if md else "  "
        lines.append(
            f"{bullet}worst error: {_fmt_ulp(self.max_ulp)} ULP, absolute {self.max_abs:.3g}, "
            f"relative {self.max_rel:.3g}"
        )
        if self.worst:
            lines.append(f"{bullet}worst inputs:")
            lines += [f"{bullet}  {m.describe(lab, ptxt)}" for m in self.worst]
        for title, items in (
            ("wrong non-finite results", self.wrong_nonfinite),
            ("wrong limits at ±inf", self.wrong_limits),
            ("nan not propagated", self.wrong_nan),
        ):
            if items:
                lines.append(f"{bullet}{title}: {len(items)}")
                lines += [f"{bullet}  {m.describe(lab, ptxt)}" for m in items[:5]]
            else:
                lines.append(f"{bullet}{title}: none")
        n_under = int(self.underflow.sum())
        what = "not counted" if self.ignore_underflow else "counted"
        lines.append(
            f"{bullet}underflow: {n_under} tiny true values returned as another number below "
            f"the smallest normal ({what})"
        )
        for k in self.kinks:
            verdict = (
                "the convention"
                if k.matches_convention
                else ("another subgradient" if k.subgradient else "NOT a subgradient")
            )
            lines.append(
                f"{bullet}kink: {lab}(x={k.x!r}) = {k.got!r}; convention {k.convention:g}, "
                f"one-sided {k.left:g} and {k.right:g}: {verdict}"
            )
        if self.scalar_only:
            lines.append(f"{bullet}called one Python number at a time (not vectorised)")
        for w in self.warnings[:5]:
            lines.append(f"{bullet}warning: {w}")
        lines.append("")
        if md:
            lines += ["| region | entries | worst ULP | at x |", "|---|---:|---:|---|"]
            lines += [
                f"| {r.region} | {r.count} | {_fmt_ulp(r.max_ulp)} | {_fmt_x(r.worst_x)} |"
                for r in self.regions
            ]
        else:
            lines.append(f"  {'region':<12} {'entries':>7}  {'worst ULP':>10}  at x")
            lines += [
                f"  {r.region:<12} {r.count:>7}  {_fmt_ulp(r.max_ulp):>10}  {_fmt_x(r.worst_x)}"
                for r in self.regions
            ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format("text")


def jsonable(obj: Any) -> Any:
    """``obj`` with every inf and nan replaced by its repr (JSON has neither)."""
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    return obj


def _num(v: float) -> float | str:
    """JSON has no inf or nan: those become strings."""
    return v if math.isfinite(v) else repr(v)


def _fmt_ulp(u: float) -> str:
    return f"{u:.3g}" if math.isfinite(u) else "inf"


def _fmt_x(x: float | tuple[float, ...] | None) -> str:
    if x is None:
        return "-"
    return repr(list(x)) if isinstance(x, tuple) else repr(x)


def _nonneg(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"`{name}` must be a number >= 0; got {value!r}.")
    if not (value >= 0):
        raise ValueError(f"`{name}` must be a number >= 0; got {value!r}.")
    return float(value)
