"""Where CSV lines end, as Arrow's reader finds them, found with numpy over the bytes.

Standard input is cut into chunks where the file reader cuts its blocks: after the last
line end outside a quoted field (``newlines_in_values``). A line ends at ``\\n``, at
``\\r\\n`` and at a lone ``\\r``; a quote opens a quoted field only at a field's start;
inside one, a doubled quote is a quote and a single one closes it (the rest of the field
is plain text, its quotes too). Where every quote is at a field's start or inside a
quoted field (well-formed CSV), a line end is quoted exactly when an odd number of quote
characters comes before it: one vectorised pass. Quotes elsewhere (``5" pipe``) are
text, and the quoted fields are then followed run of quotes by run of quotes.
"""

from __future__ import annotations

import numpy as np
import pyarrow.csv as pacsv

NEWLINE, RETURN = ord("\n"), ord("\r")


def line_ends(data: bytes, options: pacsv.ParseOptions) -> np.ndarray:
    """The offsets just past each line's end in ``data`` (which starts at a line's start),
    in order; line ends inside quoted fields are not ones. The quote character and the
    delimiter are ``options``'s; quotes inside quoted fields are doubled."""
    assert options.double_quote and not options.escape_char, "only the dialect losscli reads"
    buffer = np.frombuffer(data, np.uint8)
    newline, ret = buffer == NEWLINE, buffer == RETURN
    ret[:-1] &= ~newline[1:]  # the \r of \r\n: the line ends after the \n
    ends = np.flatnonzero(newline | ret)
    if not options.quote_char:
        return ends + 1
    quotes = buffer == ord(options.quote_char)
    if not quotes.any():
        return ends + 1
    # The quotes up to each byte (a line end is not one), mod 256: only their parity counts.
    before = np.cumsum(quotes, dtype=np.uint8)
    runs, lengths = _runs(np.flatnonzero(quotes))
    opening = (runs == 0) | _field_ends(buffer[runs - 1], ord(options.delimiter))
    outside = (before[runs] - lengths) % 2 == 0  # an even number of quotes before the run
    if not (outside & ~opening).any():  # no quote in a plain field: parity is exact
        return ends[before[ends] % 2 == 0] + 1
    return ends[~_quoted(ends, runs, lengths, opening, len(data))] + 1


def _runs(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The starts and lengths of the runs of consecutive positions."""
    first = np.flatnonzero(np.diff(positions, prepend=-2) != 1)
    return positions[first], np.diff(first, append=len(positions))


def _field_ends(previous: np.ndarray, delimiter: int) -> np.ndarray:
    """Whether each byte ends a field (so that the next one starts a field)."""
    return (previous == delimiter) | (previous == NEWLINE) | (previous == RETURN)


def _quoted(
    ends: np.ndarray, runs: np.ndarray, lengths: np.ndarray, opening: np.ndarray, size: int
) -> np.ndarray:
    """Whether each line end is inside a quoted field, the fields followed run by run of
    quotes: a run at a field's start outside a quoted field opens one (its first quote),
    then a run of odd length closes it (the pairs before its last quote are quotes)."""
    opens, closes = [], []
    inside = False
    each_run = zip(runs.tolist(), lengths.tolist(), opening.tolist(), strict=True)
    for start, length, at_field_start in each_run:
        if not inside and at_field_start:
            opens.append(start)
            inside = length % 2 == 1  # the quotes after the opening one, in pairs
            if not inside:
                closes.append(start + length)
        elif inside and length % 2 == 1:
            closes.append(start + length)
            inside = False
    if inside:
        closes.append(size)  # still open at the end: the line goes on in the next read
    if not opens:
        return np.zeros(len(ends), dtype=bool)
    field = np.searchsorted(np.asarray(opens), ends, side="right") - 1
    return (field >= 0) & (ends < np.asarray(closes)[np.maximum(field, 0)])
