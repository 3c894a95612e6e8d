"""The actref pytest plugin: the reference and its hard inputs as fixtures.

Installed with actref (entry point ``pytest11``), so any test suite can ask for:

``hard_inputs``
    a function ``hard_inputs(name=None, dtype="float64", params=None)`` returning the
    hard input set (kinks of ``name`` included; hard rows for a vector function).
``actref_reference``
    an :class:`ActrefReference`: ``compare``, ``assert_matches``, ``assert_derivative``,
    ``assert_jacobian`` and ``values`` (the correctly rounded truths), with the
    defaults of the ``--actref-dtype`` option (or ``actref_dtype`` ini setting).

.. code-block:: python

    def test_my_gelu(actref_reference):
        actref_reference.assert_matches(my_gelu, "gelu", max_ulp=2)

Nothing heavy is imported until a fixture is used; ``-p no:actref`` turns it off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

    from actref.finite_diff import DerivativeCheck, JacobianCheck
    from actref.testing import ComparisonReport

_DTYPES = ("float64", "float32", "float16")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("actref", "actref reference activations")
    group.addoption(
        "--actref-dtype",
        dest="actref_dtype",
        default=None,
        metavar="DTYPE",
        help="default dtype of the actref_reference fixture: float64 (default), float32, float16",
    )
    parser.addini(
        "actref_dtype", "default dtype of the actref_reference fixture", default="float64"
    )


def _default_dtype(config: pytest.Config) -> str:
    value = config.getoption("actref_dtype") or config.getini("actref_dtype")
    if value not in _DTYPES:
        raise pytest.UsageError(
            f"actref_dtype {value!r} is not known; accepted: {', '.join(_DTYPES)}"
        )
    return str(value)


class ActrefReference:
    """:mod:`actref.testing` with a default dtype (the ``--actref-dtype`` option)."""

    def __init__(self, dtype: str) -> None:
        self.dtype = dtype

    def compare(self, fn: Callable[..., Any], name: str, **kwargs: Any) -> ComparisonReport:
        """:func:`actref.testing.compare`, ``dtype`` defaulting to the option."""
        from actref import testing

        kwargs.setdefault("dtype", self.dtype)
        return testing.compare(fn, name, **kwargs)

    def assert_matches(self, fn: Callable[..., Any], name: str, **kwargs: Any) -> ComparisonReport:
        """:func:`actref.testing.assert_matches_reference`, ``dtype`` defaulting to the option."""
        from actref import testing

        kwargs.setdefault("dtype", self.dtype)
        return testing.assert_matches_reference(fn, name, **kwargs)

    def assert_derivative(
        self, f: Callable[..., Any], df: Callable[..., Any], x: ArrayLike, **kwargs: Any
    ) -> DerivativeCheck:
        """:func:`actref.testing.assert_derivative`."""
        from actref import testing

        return testing.assert_derivative(f, df, x, **kwargs)

    def assert_jacobian(
        self, f: Callable[..., Any], jac: Callable[..., Any], x: ArrayLike, **kwargs: Any
    ) -> JacobianCheck:
        """:func:`actref.testing.assert_jacobian`."""
        from actref import testing

        return testing.assert_jacobian(f, jac, x, **kwargs)

    def values(
        self,
        name: str,
        inputs: ArrayLike | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        derivative: bool = False,
        dtype: str | None = None,
    ) -> tuple[NDArray[Any], NDArray[Any]]:
        """The inputs and correctly rounded true values (:func:`actref.testing.reference_values`)."""
        from actref import testing

        return testing.reference_values(
            name, inputs, dtype=dtype or self.dtype, params=params, derivative=derivative
        )


@pytest.fixture
def actref_reference(request: pytest.FixtureRequest) -> ActrefReference:
    """The reference: ``compare``, ``assert_matches``, ``assert_derivative``,
    ``assert_jacobian``, ``values``."""
    return ActrefReference(_default_dtype(request.config))


@pytest.fixture
def hard_inputs(request: pytest.FixtureRequest) -> Callable[..., NDArray[Any]]:
    """``hard_inputs(name=None, dtype=None, params=None)``: the hard input set of a
    dtype (the option's by default), with the kinks of ``name``; the hard rows for a
    vector function of :mod:`actref.vectors` (softmax, glu, ...)."""
    default = _default_dtype(request.config)

    def make(
        name: str | None = None,
        dtype: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> NDArray[Any]:
        from actref import testing
        from actref.hard_inputs import hard_inputs as build

        if name is None:
            return build(dtype or default)
        return testing.reference_inputs(name, dtype or default, params)

    return make
