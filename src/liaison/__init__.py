"""Liaison: the workspace of the people who bridge families and schools."""

__version__ = "0.1.0"
