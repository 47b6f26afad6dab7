"""Collect stage: read identity data from the clouds into snapshot folders."""

from __future__ import annotations

from graph.errors import CrosstrustError


class CollectError(CrosstrustError):
    """A collection that cannot start or finish; names the folder or account."""


class CollectInterrupted(CollectError):
    """A collection stopped by the user; the partial folder is kept and named."""
