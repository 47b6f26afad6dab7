"""Render stage: make cloud-supplied text inert for terminals, Markdown and HTML."""

from __future__ import annotations

from markupsafe import Markup

# Characters that start Markdown markup or raw HTML anywhere in a line.
_MARKDOWN_SPECIAL = frozenset("\\`*_[]()#!|<>&~")


def printable(text: object) -> str:
    """Control characters (terminal escapes, NUL, newlines) as visible ``\\xNN``."""
    out = []
    for ch in str(text):
        if ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(f"\\u{ord(ch):04x}")
    return "".join(out)


def md_escape(text: object) -> str:
    """Cloud names must not become Markdown or HTML markup."""
    out = []
    for ch in printable(text):
        if ch in "<>&":
            out.append(f"&#{ord(ch)};")
        elif ch in _MARKDOWN_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def html_finalize(value: object) -> object:
    """Jinja2 ``finalize`` hook: visible control characters before autoescape."""
    if isinstance(value, Markup) or value is None:
        return "" if value is None else value
    if isinstance(value, str):
        return printable(value)
    return value


def short_id(node_id: str) -> str:
    """ARN tails are what a reader scans for; the account stays visible."""
    if node_id.startswith("arn:") and node_id.count(":") >= 5:
        parts = node_id.split(":", 5)
        if parts[4]:
            return f"{parts[4]}:{parts[5]}"
        return parts[5]
    return node_id
