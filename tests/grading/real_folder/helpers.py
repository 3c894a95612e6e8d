"""A helper module."""

steps = 3
