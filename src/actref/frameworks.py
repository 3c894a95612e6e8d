"""Which frameworks ship each activation of the catalogue, and under which name.

The README's catalogue table is :func:`markdown_table` (a test compares the two, and
another that every registered function has a row and no row names an unknown function);
each spelling was looked up in torch 2.14.1, jax 0.10.2, keras 3.15.1 and transformers
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

# name -> framework -> spellings ("nn.ReLU" is torch.nn.ReLU, "F.relu" is
# torch.nn.functional.relu; keys of ACT2FN for Hugging Face)
SHIPPED: dict[str, dict[str, tuple[str, ...]]] = {
    "celu": {"torch": ("nn.CELU", "F.celu"), "jax": ("celu",), "keras": ("celu",)},
    "elu": {"torch": ("nn.ELU", "F.elu"), "jax": ("elu",), "keras": ("elu",)},
    "exponential": {"keras": ("exponential",)},
    "gelu": {
        "torch": ("nn.GELU", "F.gelu"),
        "jax": ("gelu(approximate=False)",),
        "keras": ("gelu(approximate=False)",),
        "hf": ("gelu", "gelu_python"),
    },
    "gelu_10": {"hf": ("gelu_10",)},
    "gelu_tanh": {
        "torch": ("nn.GELU(approximate='tanh')", "F.gelu(approximate='tanh')"),
        "jax": ("gelu",),
        "keras": ("gelu(approximate=True)",),
        "hf": ("gelu_new", "gelu_pytorch_tanh"),
    },
    "hardshrink": {"torch": ("nn.Hardshrink", "F.hardshrink"), "keras": ("hard_shrink",)},
    "hardsigmoid": {
        "torch": ("nn.Hardsigmoid", "F.hardsigmoid"),
        "jax": ("hard_sigmoid",),
        "keras": ("hard_sigmoid",),
    },
    "hardswish": {
        "torch": ("nn.Hardswish", "F.hardswish"),
        "jax": ("hard_swish", "hard_silu"),
        "keras": ("hard_silu", "hard_swish"),
        "hf": ("hardswish",),
    },
    "hardtanh": {
        "torch": ("nn.Hardtanh", "F.hardtanh"),
        "jax": ("hard_tanh",),
        "keras": ("hard_tanh",),
    },
    "identity": {
        "torch": ("nn.Identity",),
        "jax": ("identity",),
        "keras": ("linear",),
        "hf": ("linear",),
    },
    "laplace": {"hf": ("laplace",)},
    "leaky_relu": {
        "torch": ("nn.LeakyReLU", "F.leaky_relu"),
        "jax": ("leaky_relu",),
        "keras": ("leaky_relu",),
        "hf": ("leaky_relu",),
    },
    "log_sigmoid": {
        "torch": ("nn.LogSigmoid", "F.logsigmoid"),
        "jax": ("log_sigmoid",),
        "keras": ("log_sigmoid",),
    },
    "mish": {
        "torch": ("nn.Mish", "F.mish"),
        "jax": ("mish",),
        "keras": ("mish",),
        "hf": ("mish",),
    },
    "prelu": {"torch": ("nn.PReLU", "F.prelu"), "hf": ("prelu",)},
    "quick_gelu": {"hf": ("quick_gelu",)},
    "relu": {
        "torch": ("nn.ReLU", "F.relu"),
        "jax": ("relu",),
        "keras": ("relu",),
        "hf": ("relu",),
    },
    "relu2": {"hf": ("relu2",)},
    "relu6": {
        "torch": ("nn.ReLU6", "F.relu6"),
        "jax": ("relu6",),
        "keras": ("relu6",),
        "hf": ("relu6",),
    },
    "rrelu": {"torch": ("nn.RReLU", "F.rrelu")},
    "selu": {"torch": ("nn.SELU", "F.selu"), "jax": ("selu",), "keras": ("selu",)},
    "sigmoid": {
        "torch": ("nn.Sigmoid", "F.sigmoid"),
        "jax": ("sigmoid",),
        "keras": ("sigmoid",),
        "hf": ("sigmoid",),
    },
    "silu": {
        "torch": ("nn.SiLU", "F.silu"),
        "jax": ("silu", "swish"),
        "keras": ("silu", "swish"),
        "hf": ("silu", "swish"),
    },
    "softplus": {
        "torch": ("nn.Softplus", "F.softplus"),
        "jax": ("softplus",),
        "keras": ("softplus",),
    },
    "softshrink": {"torch": ("nn.Softshrink", "F.softshrink"), "keras": ("soft_shrink",)},
    "softsign": {
        "torch": ("nn.Softsign", "F.softsign"),
        "jax": ("soft_sign",),
        "keras": ("softsign",),
    },
    "sparse_plus": {"jax": ("sparse_plus",), "keras": ("sparse_plus",)},
    "sparse_sigmoid": {"jax": ("sparse_sigmoid",), "keras": ("sparse_sigmoid",)},
    "squareplus": {"jax": ("squareplus",), "keras": ("squareplus",)},
    "tanh": {"torch": ("nn.Tanh", "F.tanh"), "keras": ("tanh",), "hf": ("tanh",)},
    "tanhshrink": {"torch": ("nn.Tanhshrink", "F.tanhshrink"), "keras": ("tanh_shrink",)},
    "threshold": {"torch": ("nn.Threshold", "F.threshold"), "keras": ("threshold",)},
    "xielu": {"hf": ("xielu",)},
    # functions of a whole vector (actref.vectors)
    "softmax": {"torch": ("nn.Softmax", "F.softmax"), "jax": ("softmax",), "keras": ("softmax",)},
    "log_softmax": {
        "torch": ("nn.LogSoftmax", "F.log_softmax"),
        "jax": ("log_softmax",),
        "keras": ("log_softmax",),
    },
    "softmin": {"torch": ("nn.Softmin", "F.softmin")},
    "glu": {"torch": ("nn.GLU", "F.glu"), "jax": ("glu",), "keras": ("glu",)},
    "swiglu": {},
    "geglu": {},
    "reglu": {},
    "sparsemax": {"keras": ("sparsemax",)},
    "entmax15": {},
}

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
