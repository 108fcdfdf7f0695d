"""Widgets bound to the URL, so that a copied link reproduces a page's settings.

Every control of every page is made with these wrappers: each passes ``bind="query-params"``
(the widget's ``key`` is the URL parameter, so keep keys short and unique within a page) and
``persist_state="session"``. Streamlit drops a URL value that does not fit the widget; the
wrappers check the value first and collect a notice ("lr=abc is not a number: using 0.03"),
which ``show_url_notices()`` prints at the top of the page. Every value a student gave (URL,
upload, pasted text) is echoed through ``quote`` (one line, truncated, Markdown-safe).
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Callable, Sequence

import streamlit as st

from core.errors import GenLabError, quote

_NOTICES = "_genlab_url_notices"


def _raw(key: str) -> list[str] | None:
    """The URL value(s) for ``key`` as given when the page loaded, or None."""
    if key not in st.query_params:
        return None
    return [str(v) for v in st.query_params.get_all(key)]


def _notice(key: str, text: str, default: Any) -> None:
    notes = st.session_state.setdefault(_NOTICES, {})
    notes[key] = f"URL parameter **{key}={quote(text)}** ignored: using the default {default}."


def _check_number(key: str, lo: float, hi: float, default: Any, integer: bool) -> None:
    raw = _raw(key)
    if not raw:
        return
    try:
        value = float(raw[0])
    except ValueError:
        return _notice(key, raw[0], default)
    if not math.isfinite(value) or not lo <= value <= hi or (integer and value != int(value)):
        _notice(key, raw[0], default)


def _check_options(key: str, options: Sequence[Any], default: Any, fmt: Callable[[Any], str] = str) -> None:
    """URL values of choice widgets are the options' labels, as Streamlit writes them."""
    raw = _raw(key)
    if not raw:
        return
    allowed = [fmt(o) for o in options]
    for text in raw:
        if text not in allowed:
            shown = ", ".join(allowed[:12])
            return _notice(key, text, f"{_label(default, fmt)} (choose among: {shown})")


def _label(default: Any, fmt: Callable[[Any], str]) -> str:
    return ", ".join(map(fmt, default)) if isinstance(default, (list, tuple)) else fmt(default)


def _bound(key: str) -> dict[str, Any]:
    return {"key": key, "bind": "query-params"}


OPTIONS = "_genlab_options"


FORMATS = "_genlab_formats"


def _remember(key: str, options: Sequence[Any], format_func: Callable[[Any], str] = str) -> None:
    """Keep a choice widget's raw options (AppTest sees only their formatted labels) and how it writes
    a value into the URL (its label)."""
    st.session_state.setdefault(OPTIONS, {})[key] = list(options)
    st.session_state.setdefault(FORMATS, {})[key] = format_func


def url_value(key: str, value: Any) -> str | list[str]:
    """How the widget ``key`` writes ``value`` into the URL (so a link can set it)."""
    fmt = st.session_state.get(FORMATS, {}).get(key)
    if isinstance(value, (list, tuple)):
        return [str(fmt(v) if fmt else v) for v in value]
    if fmt is not None:
        return str(fmt(value))
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value)


def slider(label: str, key: str, lo: float, hi: float, default: float, step: float | None = None, **kw) -> Any:
    """A number slider; ints if ``lo``, ``hi`` and ``default`` are ints."""
    integer = all(isinstance(v, int) for v in (lo, hi, default))
    _check_number(key, lo, hi, default, integer)
    return st.slider(label, lo, hi, default, step, **_bound(key), **kw)


def log_slider(label: str, key: str, options: Sequence[float], default: float, **kw) -> float:
    """A slider over a fixed ladder of values (learning rates on a log scale)."""
    _check_options(key, options, default)
    _remember(key, options)
    return st.select_slider(label, options=list(options), value=default, **_bound(key), **kw)


def select(label: str, key: str, options: Sequence[Any], default: Any, format_func=str, **kw) -> Any:
    _check_options(key, options, default, format_func)
    _remember(key, options, format_func)
    return st.selectbox(label, list(options), index=list(options).index(default), format_func=format_func,
                        **_bound(key), **kw)


def multiselect(label: str, key: str, options: Sequence[Any], default: Sequence[Any], format_func=str, **kw) -> list:
    _check_options(key, options, list(default), format_func)
    _remember(key, options, format_func)
    return st.multiselect(label, list(options), default=list(default), format_func=format_func, **_bound(key), **kw)


def toggle(label: str, key: str, default: bool = False, **kw) -> bool:
    _check_options(key, [True, False], default, lambda v: str(v).lower())
    return st.toggle(label, value=default, **_bound(key), **kw)


def number(label: str, key: str, lo: int, hi: int, default: int, **kw) -> int:
    _check_number(key, lo, hi, default, integer=True)
    return int(st.number_input(label, lo, hi, default, 1, **_bound(key), **kw))


def show_url_notices(where=None) -> None:
    """Print (once) the notices collected for URL values that did not fit their widget."""
    notes = st.session_state.pop(_NOTICES, {})
    if notes:
        (where or st).warning("  \n".join(notes.values()), icon=":material/link_off:")


def kept_upload(label: str, key: str, parse: Callable[[bytes], Any], state: str, what: str = "data") -> tuple[str, Any] | None:
    """A file uploader whose last good upload is kept in ``st.session_state[state]``.

    ``parse(raw_bytes)`` turns the file into the page's data or raises ``GenLabError`` with a
    student-readable reason, which is shown with "The current {what} is kept." Returns
    ``(digest, parsed)`` of the last good upload, or None if there has been none.
    """
    upload = st.file_uploader(label, type=["csv", "txt"], key=key)
    if upload is not None:
        raw = upload.getvalue()
        keep_good(raw, lambda: parse(raw), state, what)
    return st.session_state.get(state)


_FAILED = "_genlab_failed"  # state -> (digest, message) of the last input that failed


def keep_good(raw: bytes, parse: Callable[[], Any], state: str, what: str) -> None:
    """Store ``(digest of raw, parse())`` in ``st.session_state[state]``, or show why not and keep the old.

    An input is parsed once: the digest and message of a failure are remembered, so a rerun shows
    the message again without parsing the same bytes again.
    """
    digest = hashlib.sha1(raw).hexdigest()[:12]
    if st.session_state.get(state, (None,))[0] == digest:
        return
    failed = st.session_state.setdefault(_FAILED, {})
    if failed.get(state, (None,))[0] != digest:
        try:
            st.session_state[state] = (digest, parse())
            failed.pop(state, None)
            return
        except GenLabError as err:
            failed[state] = (digest, str(err))
    st.error(f"{failed[state][1]} The current {what} is kept.", icon=":material/error:")
