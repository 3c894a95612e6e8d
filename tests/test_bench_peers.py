"""The benchmark's peers compute the same functions as actref on ordinary inputs.

A wrong peer formula would make every accuracy and speed comparison meaningless, so
each peer's forward and derivative are checked against actref away from kinks and
extremes. PyTorch and JAX are checked only where they are installed (the bench session
installs them; the test session does not).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import actref

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "peers.py"
_spec = importlib.util.spec_from_file_location("actref_bench_peers", _PATH)
assert _spec is not None
assert _spec.loader is not None
peers = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = peers
_spec.loader.exec_module(peers)

# away from every kink (0, ±0.5, ±1, ±3, 6) and from the tails
ORDINARY = np.array([-2.7, -1.3, -0.7, -0.2, 0.3, 0.9, 1.6, 2.4, 4.1])
ROWS = np.array([[-2.7, -1.3, 0.3, 0.9, 2.4, 1.1], [4.1, -0.2, 0.5, 1.6, -0.7, 2.2]])
# loose enough for a constant rounded to float32 inside a peer, far below any formula error
RTOL = 1e-6
# the derived formulas: loose, since only a wrong derivation has to fail; the absolute
# part for a transcription's cancellation (laplace's (1 + erf(z)) / 2 is 0 at x = -2.7,
# where the truth is 7e-34)
DERIVED_RTOL, DERIVED_ATOL = 1e-6, 1e-9

REFERENCE = peers.actref_peer()
OPTIONAL = [peers.torch_peer, peers.jax_peer]
PEERS = [peers.textbook_peer(), peers.scipy_peer()] + [
    p for p in (make() for make in OPTIONAL) if p is not None
]
CASES = [
    pytest.param(peer, name, direction, id=f"{peer.name}-{name}-{direction}")
    for peer in PEERS
    for name in sorted(peer.impls)
    for direction in ("forward", "grad")
    if peer.has(name, direction)
]


def test_every_function_has_a_textbook_peer() -> None:
    # hand-written, or derived from the exact expression (peers.derived_impl)
    textbook = peers.textbook_peer()
    for name in actref.names():
        assert textbook.has(name, "forward"), name
        assert textbook.has(name, "grad"), name
    for name in peers.VECTOR_NAMES:
        assert textbook.has(name, "forward"), name


@pytest.mark.parametrize("name", actref.names())
def test_derived_textbook_formula_is_the_function(name: str) -> None:
    """The formula derived from the exact expression, for every function (whether or
    not a hand-written one replaces it): a broken derivation (a parameter not at its
    default, the wrong expression, a derivative that is not one) is far outside this
    loose tolerance; a transcription without numerical care is well within it here."""
    derived = peers.derived_impl(name)
    for direction in ("forward", "grad"):
        expected = REFERENCE.call(name, direction, ORDINARY)
        got = np.asarray(getattr(derived, direction)(ORDINARY), dtype=np.float64)
        assert got.shape == expected.shape
        assert np.allclose(got, expected, rtol=DERIVED_RTOL, atol=DERIVED_ATOL), (
            f"derived textbook {name} {direction}: {got.tolist()}, expected {expected.tolist()}"
        )


@pytest.mark.parametrize(("peer", "name", "direction"), CASES)
def test_peer_computes_the_reference_function(peer, name, direction) -> None:
    xs = ROWS if name in peers.VECTOR_NAMES else ORDINARY
    expected = REFERENCE.call(name, direction, xs)
    got = peer.call(name, direction, xs)
    assert got.shape == expected.shape
    worst = int(np.argmax(np.abs(got - expected) - RTOL * np.abs(expected)))
    assert np.allclose(got, expected, rtol=RTOL, atol=0), (
        f"{peer.name} {name} {direction}(x={float(xs.flat[worst])!r}) = {float(got.flat[worst])!r}, "
        f"expected {float(expected.flat[worst])!r}"
    )


@pytest.mark.parametrize("peer", PEERS, ids=lambda p: p.name)
def test_peer_keeps_float32(peer) -> None:
    for name in sorted(peer.impls):
        xs = (ROWS if name in peers.VECTOR_NAMES else ORDINARY).astype(np.float32)
        assert peer.call(name, "forward", xs).dtype == np.float32, name
