"""Read a student's CSV upload into numbers, or say clearly why not.

Every upload on every page goes through ``read_csv_table``: it turns bytes, text, a path or a file
object into a pandas DataFrame and raises ``DataError`` with a one-line message for binary garbage,
an empty file, too many rows, or a file pandas cannot parse. ``numeric_columns`` then checks that
the columns a page needs hold finite numbers.
"""

from __future__ import annotations

import io
import os
import re
from typing import IO, Union

import numpy as np
import pandas as pd

from core.errors import DataError

CsvSource = Union[bytes, str, "os.PathLike[str]", IO[bytes], IO[str]]
MAX_ROWS = 100_000
MAX_BYTES = 20_000_000


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
    first_line = next(line for line in text.splitlines() if line.strip())
    sep = next((c for c in (",", ";", "\t") if c in first_line), r"\s+")
    try:  # as text first, so that a wrong cell can be named
        table = pd.read_csv(io.StringIO(text), sep=sep, header=None, dtype=str, skipinitialspace=True,
                            nrows=max_rows + 2)
    except pd.errors.ParserError as err:
        line = re.search(r"line (\d+)", str(err))
        where = f" (see line {line.group(1)})" if line else ""
        raise DataError(f"The rows do not all have the same number of columns{where}.") from None
    except (pd.errors.EmptyDataError, ValueError) as err:
        raise DataError(f"Could not read this file as CSV ({str(err).splitlines()[0][:120]}).") from None
    table = table.apply(lambda col: col.str.strip())
    first = table.iloc[0]
    if not any(is_number(v) for v in first if isinstance(v, str)):  # a header row: column names
        table.columns = [str(v) for v in first]
        table = table.iloc[1:].reset_index(drop=True)
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
        name = series.name if isinstance(series.name, str) else f"column {int(series.name) + 1}"
        text = series.notna() & ~series.map(is_number)
        if text.any():
            row = int(np.flatnonzero(text.to_numpy())[0])
            raise DataError(f"Data row {row + 1}, {what} {name}: {series.iloc[row]!r} is not a number.")
        arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(arr).all():
            row = int(np.flatnonzero(~np.isfinite(arr))[0])
            raise DataError(f"Data row {row + 1}, {what} {name}: a missing, NaN or infinite value; "
                            "every value must be a finite number.")
        out.append(arr)
    return np.stack(out, axis=1)


def is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True
