"""Rebuild assets/persuasion.txt from Debian's r-cran-janeaustenr package (no R needed).

    apt-get download r-cran-janeaustenr && dpkg-deb -x r-cran-janeaustenr_*.deb pkg
    python assets/make_persuasion.py pkg/usr/lib/R/site-library/janeaustenr/data/Rdata

The package keeps its books in an R lazy-load database: ``Rdata.rdx`` (gzip, an R-serialised index
of name -> (offset, length)) and ``Rdata.rdb`` (one compressed R-serialised character vector per
book, one element per line). This reads just the R types those two files use, keeps chapters 1 to 16
of *Persuasion* (under 300 kB) and folds runs of blank lines into one.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
import struct
import sys
import zlib
from pathlib import Path


class _RReader:
    """R's XDR serialisation format, restricted to NULL, symbols, strings, vectors and pairlists."""

    def __init__(self, data: bytes):
        assert data[:2] == b"X\n", "not an R XDR stream"
        self.b, self.i, self.refs = data, 2, []
        version = self._int()
        self._int(), self._int()  # writer and minimal reader versions
        if version == 3:
            n = self._int()  # length of the native encoding's name, then the name
            self.i += n

    def _int(self) -> int:
        (v,) = struct.unpack(">i", self.b[self.i:self.i + 4])
        self.i += 4
        return v

    def item(self):
        flags = self._int()
        kind, has_attr, has_tag = flags & 0xFF, flags & (1 << 9), flags & (1 << 10)
        if kind == 254:  # NULL
            return None
        if kind == 255:  # reference to an earlier symbol
            return self.refs[(flags >> 8) - 1]
        if kind == 1:  # symbol
            sym = ("sym", self.item())
            self.refs.append(sym)
            return sym
        if kind == 9:  # CHARSXP
            n = self._int()
            if n == -1:
                return None
            text = self.b[self.i:self.i + n].decode("utf-8", "replace")
            self.i += n
            return text
        if kind == 2:  # pairlist (attributes)
            attr = self.item() if has_attr else None  # noqa: F841
            tag = self.item() if has_tag else None
            return ("pair", tag, self.item(), self.item())
        if kind in (10, 13):  # logical, integer
            n = self._int()
            value = list(struct.unpack(f">{n}i", self.b[self.i:self.i + 4 * n]))
            self.i += 4 * n
        elif kind in (16, 19):  # character vector, list
            value = [self.item() for _ in range(self._int())]
        else:
            raise ValueError(f"R type {kind} not supported")
        attr = self.item() if has_attr else None
        return value if attr is None else ("attr", value, attr)


def _names(pairs) -> dict:
    out = {}
    while pairs:
        _, tag, car, pairs = pairs
        out[tag[1]] = car
    return out


def read_books(base: str) -> dict[str, str]:
    _, (variables, *_), _attr = _RReader(gzip.decompress(Path(base + ".rdx").read_bytes())).item()
    _, offsets, var_attr = variables
    rdb = Path(base + ".rdb").read_bytes()
    books = {}
    for name, (off, length) in zip(_names(var_attr)["names"], offsets):
        chunk = rdb[off:off + length]
        kind = chunk[4:5]
        data = {b"Z": lambda c: lzma.decompress(c[5:]), b"2": lambda c: bz2.decompress(c[5:]),
                b"0": lambda c: c[5:]}.get(kind, lambda c: zlib.decompress(c[4:]))(chunk)
        lines = _RReader(data).item()
        lines = lines[1] if isinstance(lines, tuple) else lines
        books[name] = "\n".join(line or "" for line in lines)
    return books


def main(base: str, out: str = str(Path(__file__).with_name("persuasion.txt"))) -> None:
    text = re.sub(r"\n{3,}", "\n\n", read_books(base)["persuasion"].replace("\r", ""))
    chapter_17 = [m.start() for m in re.finditer(r"\nChapter \d+\n", text)][16]
    Path(out).write_text(text[:chapter_17].rstrip() + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
