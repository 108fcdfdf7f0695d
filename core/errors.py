"""Errors a student can read.

Anything raised as a ``GenLabError`` carries a message meant for the page, not a traceback:
the dashboard shows ``str(err)`` in an ``st.error`` box and keeps what it had before.
"""

import re


class GenLabError(Exception):
    """Base class: the message is written for a student."""


class DataError(GenLabError, ValueError):
    """Input data (an upload, pasted text, a URL value) cannot be used as it is."""


class ConfigError(GenLabError, ValueError):
    """A combination of settings that cannot be trained."""


QUOTE_LIMIT = 40  # characters of a student's value quoted in a message
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]<>!|~$:&@"})


def shorten(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A student's value on one line (control codes replaced), at most ``limit`` characters (cut with "…")."""
    text = "".join(c if c.isprintable() else (" " if c.isspace() else "\ufffd") for c in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A student's value (a CSV cell, a column name, a URL value) made safe to print in a message.

    :func:`shorten`, then every character Markdown, Streamlit's ``:colour[...]`` directives or KaTeX
    would interpret escaped with a backslash, so that a shared link or an uploaded file cannot render
    links, images, code or formulas on a page.
    """
    text = shorten(value, limit).translate(_MARKDOWN)
    return re.sub(r"(?i)(www)\.", r"\1\\.", text)  # no bare www. link (GitHub Markdown links those)
