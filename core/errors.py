"""Errors a student can read.

Anything raised as a ``GenLabError`` carries a message meant for the page, not a traceback:
the dashboard shows ``str(err)`` in an ``st.error`` box and keeps what it had before.
"""


class GenLabError(Exception):
    """Base class: the message is written for a student."""


class DataError(GenLabError, ValueError):
    """Input data (an upload, pasted text, a URL value) cannot be used as it is."""


class ConfigError(GenLabError, ValueError):
    """A combination of settings that cannot be trained."""
