"""Where CSV lines end, as Arrow's reader finds them, found with numpy over the bytes.

Standard input is cut into chunks where the file reader ends its blocks: after the last
line end outside a quoted field (its parser's). A line ends at ``\\n``, at ``\\r\\n``
and at a lone ``\\r``; a quote opens a quoted field only at a field's start; inside one,
a doubled quote is a quote and a single one closes it (the rest of the field is plain
text, its quotes too). Where every quote is at a field's start or inside a quoted field
(well-formed CSV), a byte is quoted exactly when an odd number of quote characters comes
before it: one vectorised pass over the bytes finds the quotes, and the last line end is
found from the end by ``bytes.rfind``. Quotes elsewhere (``5" pipe``) are text, and the
quoted fields are then followed run of quotes by run of quotes.
"""

from __future__ import annotations

import numpy as np
import pyarrow.csv as pacsv

from ..records import datarecord

NEWLINE, RETURN = ord("\n"), ord("\r")


def line_ends(data: bytes, options: pacsv.ParseOptions) -> np.ndarray:
    """The offsets just past each line's end in ``data`` (which starts at a line's start),
    in order; line ends inside quoted fields are not ones. The quote character and the
    delimiter are ``options``'s; quotes inside quoted fields are doubled."""
    buffer = np.frombuffer(data, np.uint8)
    newline, ret = buffer == NEWLINE, buffer == RETURN
    ret[:-1] &= ~newline[1:]  # the \r of \r\n: the line ends after the \n
    ends = np.flatnonzero(newline | ret)
    quotes = _Quotes.of(buffer, options)
    if quotes is None:
        return ends + 1
    if quotes.exact:
        return ends[np.searchsorted(quotes.positions, ends) % 2 == 0] + 1
    opens, closes = quotes.fields()
    if not opens:
        return ends + 1
    closes += [len(data)] * (len(opens) - len(closes))  # one still open at the end
    field = np.searchsorted(np.asarray(opens), ends, side="right") - 1
    return ends[(field < 0) | (ends >= np.asarray(closes)[np.maximum(field, 0)])] + 1


def last_line_end(data: bytes, options: pacsv.ParseOptions) -> int:
    """The offset just past the last line end of ``data`` outside a quoted field (0: none),
    as :func:`line_ends` finds them, without finding them all where the quotes allow."""
    quotes = _Quotes.of(np.frombuffer(data, np.uint8), options)
    if quotes is not None and not quotes.exact:
        ends = line_ends(data, options)
        return int(ends[-1]) if len(ends) else 0
    end = len(data)
    while True:
        end = line_end_before(data, end)
        if not end or quotes is None or np.searchsorted(quotes.positions, end) % 2 == 0:
            return end
        end -= 1  # quoted: the one before


def line_end_before(data: bytes, limit: int) -> int:
    """The offset just past the last line end whose last byte is before ``limit`` (0: none)."""
    while True:
        newline = data.rfind(b"\n", 0, limit)  # a \r only after it (not one scan of the whole)
        last = max(newline, data.rfind(b"\r", newline + 1, limit))
        if data[last + 1 : last + 2] != b"\n" or data[last : last + 1] != b"\r":
            return last + 1
        limit = last  # the CR of a CRLF whose LF was looked at already


def unclosed_quote(data: bytes, options: pacsv.ParseOptions) -> int | None:
    """The offset of the quote opening a field that ``data`` ends inside, if it does (a
    reader would take the rest of the text for that field's value)."""
    quotes = _Quotes.of(np.frombuffer(data, np.uint8), options)
    if quotes is None:
        return None
    if quotes.exact:  # the last run starting outside a quoted field opened the open one
        return int(quotes.runs[quotes.outside][-1]) if len(quotes.positions) % 2 else None
    opens, closes = quotes.fields()
    return opens[-1] if len(closes) < len(opens) else None


@datarecord(frozen=True)
class _Quotes:
    """The runs of quote characters in a text: where each starts, its length, whether it
    is at a field's start, and whether an even number of quotes comes before it."""

    positions: np.ndarray
    runs: np.ndarray
    lengths: np.ndarray
    opening: np.ndarray
    outside: np.ndarray

    @classmethod
    def of(cls, buffer: np.ndarray, options: pacsv.ParseOptions) -> _Quotes | None:
        """Those of ``buffer`` (None: it has no quotes, or they are not read as quotes)."""
        assert options.double_quote and not options.escape_char, "the dialect losscli reads"
        if not options.quote_char:
            return None
        positions = np.flatnonzero(buffer == ord(options.quote_char))
        if not len(positions):
            return None
        first = np.flatnonzero(np.diff(positions, prepend=-2) != 1)
        runs, lengths = positions[first], np.diff(first, append=len(positions))
        previous = buffer[runs - 1]  # a run at 0 is at a field's start anyway
        ends_field = (previous == ord(options.delimiter)) | (previous == NEWLINE)
        opening = (runs == 0) | ends_field | (previous == RETURN)
        outside = first % 2 == 0  # an even number of quotes before the run
        return cls(positions, runs, lengths, opening, outside)

    @property
    def exact(self) -> bool:
        """Whether every quote is at a field's start or inside a quoted field (well-formed
        CSV), so that a byte is quoted exactly when an odd number of quotes precedes it."""
        return not (self.outside & ~self.opening).any()

    def fields(self) -> tuple[list[int], list[int]]:
        """Where each quoted field opens and closes (none for one still open at the end),
        followed run by run: a run at a field's start outside a quoted field opens one
        (its first quote), then a run of odd length closes it (pairs before its last)."""
        opens: list[int] = []
        closes: list[int] = []
        each_run = zip(
            self.runs.tolist(), self.lengths.tolist(), self.opening.tolist(), strict=True
        )
        for start, length, at_field_start in each_run:
            if len(opens) == len(closes) and at_field_start:
                opens.append(start)
                if length % 2 == 0:  # the quotes after the opening one, in pairs: closed
                    closes.append(start + length)
            elif len(opens) > len(closes) and length % 2 == 1:
                closes.append(start + length)
        return opens, closes
