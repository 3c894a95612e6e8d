"""The README's catalogue table is the registry's, and each framework spelling in it is
real where that framework is installed (the test session has none: the bench venv, or
`pip install torch jax keras transformers`, runs them)."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import pytest

from actref import frameworks

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- catalogue: generated from actref.frameworks.markdown_table; a test compares -->"
END = "<!-- end of catalogue -->"


def test_every_spelling_is_a_tuple_of_names_under_a_known_framework() -> None:
    # the table has a row for every function by construction (it iterates the
    # registry and the vector table); what an entry can still get wrong is its data
    known = {key for key, _ in frameworks.FRAMEWORKS}
    for name, shipped in frameworks.SHIPPED.items():
        assert set(shipped) <= known, f"{name}: shipped by {sorted(set(shipped) - known)}?"
        for key, spellings in shipped.items():
            assert isinstance(spellings, tuple), f"{name}: {key} spellings must be a tuple"
            assert spellings, f"{name}: {key} with no spelling (leave the framework out)"
            assert all(isinstance(s, str) and s.strip() for s in spellings), (name, key)


def test_a_function_no_framework_ships_is_a_row_of_dashes() -> None:
    assert frameworks.SHIPPED["swiglu"] == {}
    rows = frameworks.markdown_table(["swiglu"]).splitlines()
    assert rows[2] == "| `swiglu` | - | - | - | - |"


def test_readme_catalogue_table_is_generated_from_the_registry() -> None:
    text = (ROOT / "README.md").read_text()
    assert BEGIN in text, "the README has lost its catalogue's first marker"
    assert END in text, "the README has lost its catalogue's last marker"
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n") + "\n"
    assert table == frameworks.markdown_table(frameworks.catalogue_names()), (
        "README's catalogue is stale: paste "
        "actref.frameworks.markdown_table(actref.frameworks.catalogue_names())"
    )


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except Exception:  # noqa: BLE001 (not installed, or a backend missing)
        pytest.skip(f"{module} is not installed")


def _lookup(root: Any, spelling: str) -> Any:
    obj = root
    for part in spelling.split("(")[0].split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("key", [key for key, _ in frameworks.FRAMEWORKS])
def test_spellings_exist_in_the_frameworks(key: str) -> None:
    if key == "torch":
        torch = _optional("torch")
        root: Any = type("torch", (), {"nn": torch.nn, "F": torch.nn.functional})
    elif key == "jax":
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
        root = _optional("jax").nn
    elif key == "keras":
        os.environ.setdefault("KERAS_BACKEND", "jax")
        root = _optional("keras").activations
    else:
        acts = _optional("transformers.activations")
        root = type("hf", (), dict(acts.ACT2CLS))
    for name, shipped in frameworks.SHIPPED.items():
        for spelling in shipped.get(key, ()):
            assert _lookup(root, spelling) is not None, f"{key}: {spelling} ({name})"
