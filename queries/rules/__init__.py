"""Rule modules; importing this package registers every rule."""

from queries.rules import hygiene, notes, paths, trust  # noqa: F401
