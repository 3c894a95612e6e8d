"""How a function's name is matched: the one normalisation both tables use."""

from __future__ import annotations


def key(name: str) -> str:
    """A name as lookup compares it: lower case, without ``-`` and ``_``.

    >>> key("Log-Softmax") == key("log_softmax") == "logsoftmax"
    True
    """
    return name.lower().replace("-", "").replace("_", "")
