"""Which frameworks ship each activation of the catalogue, and under which name.

The spellings live in each function's own entry (``shipped=`` of the
:class:`~actref.activation.Activation` in :mod:`actref.catalogue`, of the
:class:`~actref.vectors.VectorFunction` in :data:`actref.vectors.TABLE`); this module
only reads them. The README's catalogue table is :func:`markdown_table` (a test
compares the two); a function that no framework ships is a row of dashes. Each
spelling was looked up in torch 2.14.1, jax 0.10.2, keras 3.15.1 and transformers
5.24.0 (``tests/test_union_frameworks.py`` checks them where those are installed).
"""

from __future__ import annotations

from actref import registry, vectors

#: The frameworks, in the table's column order: (key, column heading).
FRAMEWORKS: tuple[tuple[str, str], ...] = (
    ("torch", "torch.nn / torch.nn.functional"),
    ("jax", "jax.nn"),
    ("keras", "keras.activations"),
    ("hf", "Hugging Face ACT2FN"),
)


def _shipped() -> dict[str, dict[str, tuple[str, ...]]]:
    """name -> framework key -> spellings, read off each function's own entry."""
    shipped = {act.name: dict(act.shipped) for act in registry.all_activations()}
    return shipped | {vf.name: dict(vf.shipped) for vf in vectors.TABLE}


#: name -> framework -> spellings, for every function of the catalogue (empty when no
#: framework ships it). Derived: each entry declares its own (``shipped=``).
SHIPPED: dict[str, dict[str, tuple[str, ...]]] = _shipped()

# what a reader of the table should know about a spelling
NOTES: tuple[str, ...] = (
    "keras' `threshold(x, threshold, default_value)` is torch's `Threshold(threshold, value)`.",
    "keras' `relu` takes `negative_slope`, `max_value` and `threshold`: so does actref's.",
    "`rrelu` is the evaluation mode (`training=False`): slope (lower + upper) / 2.",
    "jax's `gelu` is the tanh approximation unless `approximate=False`.",
    (
        "Hugging Face's `xielu` holds its parameters in bfloat16 by default; actref's"
        " defaults are its values in float64."
    ),
    (
        "swiglu, geglu and reglu (Shazeer 2020) are written inline in models (a ⊗ silu(b),"
        " ...), not shipped; entmax15 comes from the `entmax` package (Peters et al. 2019)."
    ),
)


def catalogue_names() -> list[str]:
    """Every function the table lists: the elementwise ones, then the vector ones."""
    return [*registry.names(), *(v.name for v in vectors.TABLE)]


def markdown_table(names: list[str]) -> str:
    """The README's catalogue table for ``names`` (:func:`catalogue_names`)."""
    head = "| function | " + " | ".join(h for _, h in FRAMEWORKS) + " |"
    rule = "|---" * (len(FRAMEWORKS) + 1) + "|"
    rows = [head, rule]
    for name in names:
        shipped = SHIPPED.get(name, {})
        cells = [", ".join(f"`{s}`" for s in shipped.get(key, ())) or "-" for key, _ in FRAMEWORKS]
        rows.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return "\n".join(rows + [""] + [f"- {note}" for note in NOTES]) + "\n"
