"""What every figure of actref shares: the style, the colours, the file formats, and
the checks of a figure's x range and number of points."""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Final

import matplotlib.style

STYLE: Final = Path(__file__).with_name("actref.mplstyle")
DEFAULT_POINTS: Final = 1001
MAX_POINTS: Final = 1_000_000
# File formats written deterministically, with the metadata that would carry a date
# or a version string blanked.
FORMATS: Final[Mapping[str, Mapping[str, None]]] = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    "svg": {"Date": None, "Creator": None},
}
# The classic homework's figure: sigmoid, tanh, ReLU and leaky ReLU with slope 0.1.
CLASSIC: Final[tuple[tuple[str, Mapping[str, float]], ...]] = (
    ("sigmoid", {}),
    ("tanh", {}),
    ("relu", {}),
    ("leaky_relu", {"negative_slope": 0.1}),
)
SOFTMAX_SAMPLE: Final = (2.0, 1.0, 0.1, -1.0)

F_COLOR: Final = "C0"
DF_COLOR: Final = "C1"
KINK_COLOR: Final = "0.55"
ZERO_COLOR: Final = "0.35"


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply the shipped style on top of matplotlib's defaults, whatever the user's rc."""
    with matplotlib.style.context(STYLE, after_reset=True):
        yield


def check_range(
    x_range: Sequence[float] | None, default: tuple[float, float]
) -> tuple[float, float]:
    """``x_range`` as two finite floats lo < hi (``default`` when None), or ValueError."""
    if x_range is None:
        return default
    try:
        lo, hi = (float(v) for v in x_range)
    except (TypeError, ValueError):
        raise ValueError(f"x_range must be two numbers (lo, hi), got {x_range!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"x_range must be finite, got ({lo:g}, {hi:g})")
    if not lo < hi:
        raise ValueError(f"x_range must have lo < hi, got ({lo:g}, {hi:g})")
    if not math.isfinite(hi - lo):
        raise ValueError(f"x_range ({lo:g}, {hi:g}) is too wide: hi - lo overflows")
    return lo, hi


def check_points(points: int) -> int:
    """``points`` as an int in 2..MAX_POINTS, or TypeError/ValueError."""
    if isinstance(points, bool) or not isinstance(points, numbers.Integral):
        raise TypeError(f"points must be an integer, got {type(points).__name__}")
    if not 2 <= points <= MAX_POINTS:
        raise ValueError(f"points must be between 2 and {MAX_POINTS}, got {points}")
    return int(points)
