"""``python -m actref``: the same as the ``actref`` command."""

from actref.cli import main

raise SystemExit(main())
