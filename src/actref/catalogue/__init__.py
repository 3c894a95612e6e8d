"""The catalogue: every elementwise activation declared once, as a short entry.

Each :class:`~actref.activation.Activation` names the function, its exact SymPy
expression (the derivative and the kinks are derived from it), its stable NumPy kernels
(``NAME`` and ``NAME_grad`` of its family's module in :mod:`actref.kernels`, which
exports them without a list), its parameters with PyTorch's defaults and the
values they accept, its range, its monotonicity, its plot range, its float64 ULP budget
(with the reason when not 4) and the laws it obeys. One module per family, as in
:mod:`actref.kernels`; :mod:`actref.registry` indexes :data:`TABLE` by name, and nothing
else lists the names: a new function is one entry here and one kernel module.

Laws reach other activations through the resolver they are given
(``lambda a, v, other: ... other("tanh")(v / 2)``); what a law resolves counts in its
tolerance (:func:`actref.laws.check_law`).
"""

from actref.activation import Activation
from actref.catalogue import algebraic, exponential, gaussian, hyperbolic, logistic, piecewise

TABLE: tuple[Activation, ...] = (
    *logistic.ENTRIES,
    *hyperbolic.ENTRIES,
    *gaussian.ENTRIES,
    *exponential.ENTRIES,
    *algebraic.ENTRIES,
    *piecewise.ENTRIES,
)
