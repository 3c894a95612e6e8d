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


def test_every_registered_function_has_a_row_and_no_row_is_unknown() -> None:
    listed = set(frameworks.catalogue_names())
    assert set(frameworks.SHIPPED) <= listed
    missing = listed - set(frameworks.SHIPPED)
    assert not missing, f"add a row to actref.frameworks.SHIPPED for: {sorted(missing)}"


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
