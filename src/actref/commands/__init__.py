"""The subcommands of ``actref``, one module each; :mod:`actref.cli` builds the parser.

Each module has an ``add_*`` function that adds its subcommand to the parser and sets
the function that runs it. :mod:`~actref.commands.common` holds what they share (the
one-line :class:`~actref.commands.common.UsageError`, resolving a name);
:mod:`~actref.commands.vectors` every code path for vector functions (softmax and
log_softmax), so the commands treat them in one place.
"""
