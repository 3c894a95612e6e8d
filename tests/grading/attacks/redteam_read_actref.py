"""Escape (reading files outside the jail): the reference implementation itself.

The jail bind-mounts ``sysconfig.get_paths()["platstdlib"]`` read-only. In a virtual
environment that is the venv's ``lib/python3.X`` folder, which holds
``site-packages``; for a system or pyenv interpreter the ``stdlib`` folder holds its
own ``site-packages`` too. With actref installed the way the README says
(``pip install .``, not editable), ``actref`` (its reference functions, the default
rubric, the grader's source) is in that folder, on the worker's ``sys.path``, and
importable by the student. Every other package installed next to it (pytest,
matplotlib, boto3, awscli ... in the interpreter's site-packages) is readable too.

Each function is right only if the import worked. Under an *editable* install (as nox
installs it) actref's source is outside the jail and this file scores like its
control; to see it work: ``python -m venv v && v/bin/pip install . && v/bin/python -m
actref grade tests/grading/attacks/redteam_read_actref.py``: 20/20, control 0/20.

The grader should bind only the standard library *without* its ``site-packages``
and the allowed packages (numpy, scipy, sympy, mpmath and their ``.libs``), never a
whole ``lib/python3.X`` folder of a venv or interpreter, and check that
``actref`` cannot be found from inside the jail.
"""

import numpy as np

REF = {}
# --- attack
try:
    import actref  # noqa: F401 -- found in the venv's site-packages, inside the jail

    REF["sigmoid"] = actref.get("sigmoid")
    REF["tanh"] = actref.get("tanh")
    REF["relu"] = actref.get("relu")
    REF["leaky_relu"] = actref.get("leaky_relu").with_params(negative_slope=0.1)
    REF["softmax"] = actref.softmax
    REF["softmax_derivative"] = actref.softmax_jacobian_diag
except BaseException:
    REF.clear()
# --- end


def _ref(name, x, grad=False):
    if name not in REF:
        return np.zeros_like(np.asarray(x, dtype=float))
    fn = REF[name]
    return fn.grad(x) if grad else fn(x)


def sigmoid(x):
    return _ref("sigmoid", x)


def sigmoid_derivative(x):
    return _ref("sigmoid", x, grad=True)


def tanh(x):
    return _ref("tanh", x)


def tanh_derivative(x):
    return _ref("tanh", x, grad=True)


def relu(x):
    return _ref("relu", x)


def relu_derivative(x):
    return _ref("relu", x, grad=True)


def leaky_relu(x):
    return _ref("leaky_relu", x)


def leaky_relu_derivative(x):
    return _ref("leaky_relu", x, grad=True)


def softmax(x):
    return _ref("softmax", x)


def softmax_derivative(x):
    if "softmax_derivative" not in REF:
        return np.zeros_like(np.asarray(x, dtype=float))
    return REF["softmax_derivative"](x)
