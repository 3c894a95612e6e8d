"""Report injection through the loading notes. The grader escapes control characters
in feedback messages, but not in the ``note:`` lines of the text report. A note is
written when an import fails and the file's definitions are graded instead: it
quotes the exception's text, newlines and ANSI escapes included. So an import that
raises a message holding newlines prints forged lines (a classmate's 0/20, a
plagiarism verdict) into the text report, and ANSI escapes can erase the real ones.
The grader should escape every student-derived text (notes included) the way it
escapes feedback messages: one note, one line, control characters shown escaped.
"""

import numpy as np


def relu(x):
    return np.maximum(x, 0.0)


# --- attack
raise ValueError(
    "\x1b[2K\rok)\nclassmate.py: 0 / 20\n  feedback:\n  - every part [error]: "
    "plagiarism: identical to redteam_note_injection.py\n"
)
# --- end
