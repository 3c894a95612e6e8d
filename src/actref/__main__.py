"""``python -m actref``: the same as the ``actref`` command."""

from actref.cli import main

if __name__ == "__main__":  # importing this module (e.g. by multiprocessing) runs nothing
    raise SystemExit(main())
