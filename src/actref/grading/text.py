"""Text from a student's process, made safe to show on one line."""

from __future__ import annotations

import re

# what must not reach a terminal or a line-based report verbatim: control characters
# (newlines and ANSI escapes would let a student's error text forge report lines),
# DEL, C1 controls, and the Unicode line separators, direction marks and overrides
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def printable(text: str) -> str:
    """``text`` on one line, every control character shown as an escape (``\\x1b``)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)
