"""What the subcommands share: the one-line usage error, a name resolved to an
activation, and the checked path of a figure to write."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from actref import registry
from actref.registry import Activation


class UsageError(Exception):
    """A mistake in what the user asked for; reported in one line, exit status 2."""


def resolve(name: str, param_pairs: Sequence[str] = ()) -> Activation:
    """The activation a user named on the command line, or a :class:`UsageError`."""
    try:
        params = registry.parse_params(param_pairs)
        return registry.get(name, **params)
    except (LookupError, ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None


def figure_target(out: str | None, default: str) -> Path:
    """The file a figure goes to (``out``, else ``default``): its format known, its
    folder existing; else a :class:`UsageError`."""
    from actref.plotting import FORMATS

    path = Path(out if out is not None else default)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        got = f"extension {path.suffix!r}" if path.suffix else "no extension"
        accepted = ", ".join(f".{f}" for f in FORMATS)
        raise UsageError(f"cannot write {path}: {got}; accepted: {accepted}")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {str(parent)!r} does not exist")
    if path.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    return path
