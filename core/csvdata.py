"""Read a student's CSV upload into numbers, or say clearly why not.

Every upload on every page goes through ``read_csv_table``: it turns bytes, text, a path or a file
object into a pandas DataFrame and raises ``DataError`` with a one-line message for binary garbage,
an empty file, too many bytes, rows or columns (counted before pandas parses anything), a header
that names a column twice, or a file pandas cannot parse. ``numeric_columns`` then checks that the
columns a page needs hold finite numbers that float32 models can use: none beyond ``MAX_ABS``,
and a spread a standardisation can divide by. A student's cell or column name is quoted in a
message through ``core.errors.quote`` (one line, truncated, Markdown-safe).
"""

from __future__ import annotations

import io
import os
import re
from typing import IO, Union

import numpy as np
import pandas as pd

from core.errors import DataError, quote

CsvSource = Union[bytes, str, "os.PathLike[str]", IO[bytes], IO[str]]
# A page needs two or three columns of at most a few thousand points: these caps keep a bad upload
# fast to refuse (one 200 KB line of 100k cells took pandas 24 s and 0.9 GB before MAX_COLUMNS).
MAX_BYTES = 2_000_000  # .streamlit/config.toml: server.maxUploadSize = 2 (MiB) lets this message show
MAX_ROWS = 20_000
MAX_COLUMNS = 64
MAX_ABS = 1e6  # |value| at most: squares and products of features stay far inside float32
MIN_RELATIVE_SPREAD = 1e-6  # a column's range against its largest |value|: float32 keeps ~7 digits
MIN_SPREAD = 1e-12  # a column's smallest nonzero range, so that standardising it cannot overflow


def _read_bytes(data: CsvSource) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, os.PathLike) or (isinstance(data, str) and "\n" not in data and os.path.isfile(data)):
        with open(data, "rb") as fh:
            return fh.read(MAX_BYTES + 1)
    if isinstance(data, str):
        return data.encode("utf-8")
    raw = data.read(MAX_BYTES + 1)
    return raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)


def read_csv_table(data: CsvSource, max_rows: int = MAX_ROWS) -> pd.DataFrame:
    """Parse a CSV; the header is optional (a first row of numbers is data, not names)."""
    raw = _read_bytes(data)
    if len(raw) > MAX_BYTES:
        raise DataError(f"The file is larger than {MAX_BYTES // 1_000_000} MB: please upload a smaller CSV.")
    if b"\x00" in raw[:4096]:
        raise DataError("This file is not a text CSV (it contains binary data).")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("This file is not a text CSV (it is not UTF-8 text).") from None
    if not text.strip():
        raise DataError("The file is empty: it has no rows.")
    lines = [line for line in text.splitlines() if line.strip()]
    sep = next((c for c in (",", ";", "\t") if c in lines[0]), r"\s+")
    cells = (lambda line: line.count(sep) + 1) if len(sep) == 1 else (lambda line: len(line.split()))
    widest = max(map(cells, lines[: max_rows + 2]))
    if widest > MAX_COLUMNS:
        raise DataError(f"A row has {widest:,} columns: a page uses two or three, so keep at most {MAX_COLUMNS}.")
    try:  # as text first, so that a wrong cell can be named
        table = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, skipinitialspace=True,
                            nrows=max_rows + 2)
    except pd.errors.ParserError as err:
        line = re.search(r"line (\d+)", str(err))
        where = f" (see line {line.group(1)})" if line else ""
        raise DataError(f"The rows do not all have the same number of columns{where}.") from None
    except (pd.errors.EmptyDataError, ValueError) as err:
        raise DataError(f"Could not read this file as CSV ({quote(str(err).splitlines()[0], 120)}).") from None
    table = table.apply(lambda col: col.str.strip())
    first = table.iloc[0]
    if not any(is_number(v) for v in first if isinstance(v, str)):  # a header row: column names
        table.columns = [v if isinstance(v, str) and v else f"column {i + 1}" for i, v in enumerate(first)]
        table = table.iloc[1:].reset_index(drop=True)
        twice = table.columns[table.columns.str.lower().duplicated()]  # pages match names in lower case
        if len(twice):
            raise DataError(f"The header names the column {quote(twice[0])} more than once: "
                            "give every column its own name.")
    if len(table) == 0:
        raise DataError("The file has a header but no data rows.")
    if len(table) > max_rows:
        raise DataError(f"The file has more than {max_rows:,} rows: please upload at most {max_rows:,}.")
    return table


def numeric_columns(table: pd.DataFrame, columns: list, what: str = "column") -> np.ndarray:
    """The named (or positional) columns as a finite float array (n, len(columns))."""
    out = []
    for col in columns:
        series = table[col] if col in table.columns else table.iloc[:, col]
        name = quote(series.name) if isinstance(series.name, str) else f"column {int(series.name) + 1}"
        text = series.notna() & ~series.map(is_number)
        if text.any():
            row = int(np.flatnonzero(text.to_numpy())[0])
            raise DataError(f"Data row {row + 1}, {what} {name}: '{quote(series.iloc[row])}' is not a number.")
        arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(arr).all():
            row = int(np.flatnonzero(~np.isfinite(arr))[0])
            raise DataError(f"Data row {row + 1}, {what} {name}: a missing, NaN or infinite value; "
                            "every value must be a finite number.")
        check_scale(arr, f"{what.capitalize()} {name}")
        out.append(arr)
    return np.stack(out, axis=1)


def check_scale(values: np.ndarray, where: str) -> None:
    """DataError unless float32 models can use the finite ``values`` (n,) as they are and standardised.

    Every |value| is at most MAX_ABS (so the float32 copy is finite, and so are squares and
    products of features), and a column that is not constant has a range float32 can see: at least
    MIN_RELATIVE_SPREAD of its largest |value| and MIN_SPREAD, so (x - mean) / std cannot overflow.
    """
    size = float(np.abs(values).max())
    if size > MAX_ABS:
        row = int(np.argmax(np.abs(values)))
        raise DataError(f"{where}, data row {row + 1}: {values[row]:.3g} is too large for float32 models; "
                        f"keep every value within ±{MAX_ABS:,.0f} (rescale the column).")
    single = values.astype(np.float32)
    seen = float(single.max()) - float(single.min())  # the range the model will see
    if np.ptp(values) > 0 and seen < max(MIN_RELATIVE_SPREAD * size, MIN_SPREAD):
        raise DataError(f"{where}: the values differ by only {np.ptp(values):.3g}, too little for their size "
                        f"({size:.3g}) to be standardised in float32; subtract a constant or rescale the column.")


def is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True
