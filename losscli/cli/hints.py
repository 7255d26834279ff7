"""Hints for errors whose cause is the command line's shape rather than the data.

``-p model_a model_b`` reads as one prediction column and a second input file named
``model_b``; where the first file has a column of that name, the "no such file" error
says how the option was meant to be written.
"""

from __future__ import annotations

import os

from ..errors import InputError, LossCliError, MissingFile
from ..reading.formats import STDIN


def with_column_hint(
    error: InputError, files: tuple[str, ...], preds: tuple[str, ...]
) -> InputError:
    """``error``, with a hint where the missing "files" are columns of the first file."""
    missing = [f for f in files[1:] if not os.path.exists(f)]
    if not missing or files[0] == STDIN:
        return error
    if not isinstance(error, MissingFile) or error.path != missing[0]:
        return error
    columns = _columns(files[0])
    names = [name for name in missing if name in columns]
    if not names or names[0] != missing[0]:
        return error
    quoted = ", ".join(repr(n) for n in names)
    if preds:
        meant = [*preds, *names]
        hint = f"did you mean -p {' -p '.join(meant)}, or -p {','.join(meant)}?"
    else:
        hint = (
            f"did you mean to name {'them' if len(names) > 1 else 'it'} with an option, such as -p?"
        )
    where = (
        f"{files[0]} has a column {quoted}"
        if len(names) == 1
        else f"{files[0]} has columns {quoted}"
    )
    return InputError(
        f"{error}; {where}: an option takes one value each time it is given, so {hint}"
    )


def _columns(path: str) -> list[str]:
    """The first file's column names, or none where it cannot be read."""
    from ..reading import open_source

    try:
        return open_source(path).columns()
    except (LossCliError, OSError):
        return []
