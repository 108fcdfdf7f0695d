"""Safe inputs (issue 10): every bad CSV, pasted text or URL value is refused in one readable line.

Core only: the readers of core/csvdata.py (through the three page readers), core/errors.py ``quote``,
core/corpus.py ``check_text``, and the caps in .streamlit/config.toml. The pages' side (URL notices,
kept uploads, the text box) is in tests/test_page_safe_inputs.py.
"""

from __future__ import annotations

import re
import time
import tomllib

import numpy as np
import pytest

import core.corpus
from core import gmm_data, targets2d
from core.csvdata import MAX_ABS, MAX_BYTES, MAX_COLUMNS, MAX_ROWS
from core.datasets import LabelledData, labelled_from_csv
from core.errors import QUOTE_LIMIT, DataError, quote
from core.corpus import MAX_CHARS, MAX_PASTE, check_text, load_corpus
from tests.pagetest import ROOT

READERS = {"targets2d": targets2d.points_from_csv, "gmm": gmm_data.points_from_csv, "classify": labelled_from_csv}
MARKDOWN = "`*_[]<>!|~$:&@"  # what quote() escapes


def unescaped(text: str) -> str:
    """The Markdown-special characters of ``text`` that no backslash escapes ('' when safe)."""
    return "".join(c for c in re.sub(r"\\.", "", text) if c in MARKDOWN + "\\")


def rows(n: int, label: bool = True, first: str = "") -> bytes:
    """A good CSV body of ``n`` rows x1, x2(, label) with a header, after an optional ``first`` row."""
    body = "".join(f"{i % 7 * 0.5},{i % 5 - 2.0}{f',{i % 2}' if label else ''}\n" for i in range(n))
    return ("x1,x2" + (",label" if label else "") + "\n" + first + body).encode()


def values(reader: str, data: bytes) -> np.ndarray:
    """The (n, d) numbers a reader makes of ``data``."""
    out = READERS[reader](data)
    return out if reader == "gmm" else out.X if reader == "classify" else out.points


def refused(read, data: bytes) -> str:
    """The message ``read(data)`` refuses with: one line, short, safe to print."""
    with pytest.raises(DataError) as e:
        read(data)
    msg = str(e.value)
    assert "\n" not in msg and len(msg) < 240, msg
    return msg


# ------------------------------------------------------------------ quote


def test_quote_escapes_markdown_truncates_and_keeps_one_line():
    attack = "`code` ![img](http://e.vil/a.png) [link](https://e.vil) <b>x</b> :red[red] $x^2$ *a* _b_ ~c~ | &amp;"
    shown = quote(attack, limit=len(attack))
    assert unescaped(shown) == "" and re.sub(r"\\(.)", r"\1", shown) == attack  # every character shown, none active
    assert "http\\://" in shown  # no autolink either
    assert quote("see www.e.vil now") == "see www\\.e.vil now"
    assert quote("a\nb\r\nc\td\x00e\u202ef") == "a b  c d\ufffde\ufffdf"  # one line, no control or bidi codes
    long = quote("x" * 500)
    assert len(long) == QUOTE_LIMIT and long.endswith("…")
    assert len(quote("[" * 500)) == 2 * (QUOTE_LIMIT - 1) + 1  # cut before escaping: no dangling backslash
    for plain in ("abc", "0.03", "-3", "1e9", "x1 x2", "nan"):
        assert quote(plain) == plain  # ordinary values are left alone


# ------------------------------------------------------------------ CSV: size, columns, names


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("header", ["x1,x1,x2,label", "a,a", "x1,X1,x2,label", "x1,x2,label,label"])
def test_duplicate_column_names_are_refused(reader, header):
    cells = header.count(",") + 1
    data = (header + "\n" + "".join(",".join(str(i + j) for j in range(cells)) + "\n" for i in range(12))).encode()
    assert "more than once" in refused(READERS[reader], data)


@pytest.mark.parametrize("reader", READERS)
def test_columns_are_counted_before_pandas_parses(reader):
    wide = (",".join(["1"] * 100_000) + "\n").encode()  # one 200 KB line: 24 s and 0.9 GB in pandas before
    start = time.perf_counter()
    msg = refused(READERS[reader], wide)
    assert f"at most {MAX_COLUMNS}" in msg and "100,000 columns" in msg
    assert time.perf_counter() - start < 1.0
    late = rows(12) + (",".join(["1"] * (MAX_COLUMNS + 1)) + "\n").encode()  # a wide row further down
    assert f"at most {MAX_COLUMNS}" in refused(READERS[reader], late)
    spaced = b"\n".join([b" ".join([b"1"] * (MAX_COLUMNS + 1))] * 12)  # whitespace-separated
    assert f"at most {MAX_COLUMNS}" in refused(READERS[reader], spaced)


@pytest.mark.parametrize("reader", READERS)
def test_bytes_and_rows_are_capped(reader):
    assert MAX_BYTES == 2_000_000 and MAX_ROWS == 20_000 and MAX_COLUMNS == 64
    big = rows(12) + b"#" * MAX_BYTES
    assert "larger than 2 MB" in refused(READERS[reader], big)
    assert f"more than {MAX_ROWS:,} rows" in refused(READERS[reader], rows(MAX_ROWS + 1))
    assert len(values(reader, rows(MAX_ROWS))) == MAX_ROWS


@pytest.mark.parametrize("reader", READERS)
def test_cell_text_and_column_names_are_quoted_safely(reader):
    cell = "![img](http://e.vil/a.png)`" + "y" * 300
    msg = refused(READERS[reader], rows(12, first=f"{cell},1,0\n"))
    assert "not a number" in msg and "y" * 60 not in msg  # truncated
    quoted = msg.split("'")[1]
    assert unescaped(quoted) == "" and quoted.startswith("\\!\\[img\\]")


def test_column_names_in_messages_are_quoted_safely():
    msg = refused(labelled_from_csv, b"[a](http://e.vil),b\n1,2\n3,4\n")
    assert "3 columns" in msg and unescaped(msg.split(": ", 1)[1]) == ""
    msg = refused(gmm_data.points_from_csv, ("![a](x)`,b\n" + "1,2\n" * 12 + "oops,3\n").encode())
    assert msg.startswith("Data row 13, column \\!\\[a\\](x)\\`: 'oops' is not a number")
    msg = refused(gmm_data.points_from_csv, b"x1,x2\n1,2\n3,<b>\n")
    assert unescaped(msg.split("'")[1]) == ""


# ------------------------------------------------------------------ CSV: values float32 models can use


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("value", ["1e300", "-1e300", "1e39", "3.5e38", "2e6"])
def test_values_beyond_float32_or_the_cap_are_refused(reader, value):
    msg = refused(READERS[reader], rows(12, first=f"{value},1,0\n"))
    assert "too large" in msg and "1,000,000" in msg and "data row 1" in msg


@pytest.mark.parametrize("reader", READERS)
def test_values_at_the_cap_are_kept_and_finite_in_float32(reader):
    x = values(reader, rows(12, first=f"{MAX_ABS:g},-{MAX_ABS:g},1\n"))
    assert np.abs(x).max() == MAX_ABS and np.isfinite(np.asarray(x, np.float32) ** 2).all()


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("column", [
    [1e5 + i * 1e-9 for i in range(12)],  # float32 sees one value: standardising divides by 0
    [i * 1e-40 for i in range(12)],  # subnormal: the float32 range is 0 or denormal
    [i * 1e-14 for i in range(12)],  # a range below MIN_SPREAD (1e-12)
])
def test_spreads_float32_cannot_standardise_are_refused(reader, column):
    data = "x1,x2,label\n" + "".join(f"{v!r},{i % 3},{i % 2}\n" for i, v in enumerate(column))
    assert "differ by only" in refused(READERS[reader], data.encode())


def test_a_constant_column_is_still_allowed_where_pages_handle_it():
    x = gmm_data.points_from_csv(b"x1,x2\n" + b"".join(b"%d,7\n" % i for i in range(12)))
    assert np.ptp(x[:, 1]) == 0 and gmm_data.data_warnings(x, 1e-4)


# ------------------------------------------------------------------ too few rows for a split


def test_one_row_or_too_few_rows_are_refused_before_any_split():
    assert "fewer than 4" in refused(labelled_from_csv, b"x1,x2,label\n1,2,a\n")
    assert "fewer than 4" in refused(labelled_from_csv, b"1,2,a\n3,4,b\n5,6,a\n")
    assert "at least 2" in refused(gmm_data.points_from_csv, b"v\n3\n")
    assert "at least 10" in refused(targets2d.points_from_csv, b"x1,x2\n1,2\n")
    one = LabelledData(np.zeros((1, 2), np.float32), np.zeros(1, np.int64), ("a", "b"), "csv")
    with pytest.raises(DataError, match="at least 2 points"):
        one.split(0.5, 0)
    train, test = LabelledData(np.zeros((2, 2), np.float32), np.arange(2), ("a", "b"), "csv").split(0.9, 0)
    assert len(train.Y) == 1 and len(test.Y) == 1


# ------------------------------------------------------------------ pasted text


def test_pasted_text_is_capped_and_its_length_checked_before_any_scan(monkeypatch):
    def no_scan(c):
        raise AssertionError("characters scanned before the length check")

    monkeypatch.setattr(core.corpus.unicodedata, "category", no_scan)
    for text in ("ab" * MAX_PASTE, ("ab" * MAX_PASTE).encode(), b"\xff" * (4 * MAX_PASTE + 1)):
        with pytest.raises(DataError, match=f"at most {MAX_PASTE:,}"):
            check_text(text)
    monkeypatch.undo()
    assert check_text("ab " * (MAX_PASTE // 3)) == "ab " * (MAX_PASTE // 3)  # at the cap: accepted
    assert MAX_PASTE == 200_000 and MAX_PASTE < len(load_corpus("persuasion")) <= MAX_CHARS  # files have their own cap


# ------------------------------------------------------------------ the server's settings


def test_config_caps_uploads_near_max_bytes_and_hides_error_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    size = config["server"]["maxUploadSize"]
    assert isinstance(size, int) and size >= 1
    assert (size - 1) * 2**20 < MAX_BYTES <= size * 2**20  # a slightly larger file still gets our message
    assert config["client"]["showErrorDetails"] == "none"  # no traceback, no server path in the browser


# ------------------------------------------------------------------ labels in figures


def test_class_names_from_a_csv_are_plain_text_in_the_legend():
    from dashboard.figures import decision_boundary

    g = np.linspace(-1, 1, 3)
    snap = {"grid_x": g, "grid_y": g, "proba": np.full((2, 3, 3), 0.5), "X_train": np.eye(2), "Y_train": np.arange(2),
            "X_test": np.eye(2), "Y_test": np.arange(2)}
    data = labelled_from_csv(b"x1,x2,label\n0,0,<a href='https://e.vil'>win</a>\n1,1,b\n0,1,b\n1,0," + b"c" * 99 + b"\n")
    names = [t.name for t in decision_boundary(snap, data.class_names).data if t.name]
    assert names and all("<" not in n and len(n) < 70 for n in names), names
    assert any(n.startswith("&lt;a href=") for n in names)
