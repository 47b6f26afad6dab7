"""The project's own errors; every message names the file, account or statement."""


class CrosstrustError(Exception):
    """Base of every error crosstrust raises on purpose."""


class UnrecognizedInput(CrosstrustError):
    """A file whose content matches no known export shape."""


class MalformedPolicy(CrosstrustError):
    """A policy document that cannot be read; names document and statement."""


class PrincipalNotFound(CrosstrustError):
    """A node id that is not in the graph."""


class NoRoute(CrosstrustError):
    """No route exists between the asked principals."""


class MalformedExport(CrosstrustError):
    """A recognised export whose records do not have the shape its cloud writes."""
