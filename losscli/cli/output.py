"""Writing a result where it goes: standard output, or a file written whole or not at all."""

from __future__ import annotations

import os
import sys
from typing import Any

import click

OUTPUT_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "table",
}
UTF8_FORMATS = ("csv", "tsv", "json")  # data formats: UTF-8 on standard output as in files


def resolve_format(fmt: str, output: str | None) -> str:
    if fmt != "auto":
        return fmt
    if output:
        return OUTPUT_SUFFIXES.get(os.path.splitext(output)[1].lower(), "csv")
    return "table" if sys.stdout.isatty() else "csv"


def emit(result: Any, fmt: str, precision: int, output: str | None) -> None:
    if fmt == "table":
        from rich.console import Console

        from ..render.table import print_table, to_table

        renderable = to_table(result, precision)
        if output is None:
            print_table(renderable, Console())
            return
        with _atomic_write(output) as handle:
            print_table(renderable, Console(file=handle, no_color=True))
        return
    from ..render import TEXT_FORMATS

    if output is None:
        write_stdout(TEXT_FORMATS[fmt](result, precision, sys.stdout.encoding), fmt)
    else:
        with _atomic_write(output) as handle:
            handle.write(TEXT_FORMATS[fmt](result, precision, None))


def write_stdout(text: str, fmt: str) -> None:
    """CSV, TSV and JSON in UTF-8 whatever stdout's encoding (as in files); the rest as text."""
    binary = getattr(sys.stdout, "buffer", None)
    if fmt in UTF8_FORMATS and binary is not None:
        sys.stdout.flush()
        binary.write(text.encode("utf-8"))
        binary.flush()
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


class _atomic_write:
    """Write to a temporary file beside ``path``; rename it into place only on success."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> Any:
        import tempfile

        directory = os.path.dirname(os.path.abspath(self.path))
        fd, self.tmp = tempfile.mkstemp(prefix=".losscli-", dir=directory)
        self.handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        return self.handle

    def __exit__(self, kind: Any, *rest: Any) -> None:
        self.handle.close()
        if kind is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)


def refuse_overwriting_inputs(files: tuple[str, ...], output: str | None) -> None:
    if output and not os.path.isdir(os.path.dirname(os.path.abspath(output))):
        raise click.UsageError(f"cannot write {output!r}: its directory does not exist")
    if not output or not os.path.exists(output):
        return
    for name in files:
        if name != "-" and os.path.exists(name) and os.path.samefile(name, output):
            raise click.UsageError(
                f"the output file {output!r} is also an input; choose another output path"
            )
