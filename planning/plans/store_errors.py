"""The store's error, apart from its tables so that code which only catches it does not import SQLAlchemy."""
from __future__ import annotations


class StoreError(ValueError):
    """A store operation that cannot be done (unknown name, name taken, newer schema, ...)."""
