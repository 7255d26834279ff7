"""An input is never overwritten: where the result goes is checked before anything is read.

The result's destination (``-o PATH``, a descriptor ``-o /dev/fd/3`` names, or standard
output) is compared by device and inode, through symlinks and hard links, with every
file the run relies on: each file an argument reads (also those a directory or a glob
expands to), the file behind standard input when ``-`` is an argument, the config file
in force and every plugin file named. A destination that is a pipe, a terminal or a
device is no file and passes; so does a new file nothing reads, but not a new path that
a directory or glob argument would read in the next run. The ``--baseline`` file is the
exception: it is read before the result replaces it, so ``--baseline b.json -o b.json``
accepts the run as the new baseline.

A config's own ``output`` must lie below the config file's directory (``-o`` on the
command line is unrestricted).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence

import click

from .output import named_descriptor, target_status

OUTSIDE = "losscli.config_outside"  # ctx.meta: why the config's output may not be written


def check_output_path(
    files: Sequence[str], output: str | None, relied_on: Sequence[tuple[str, str]] = ()
) -> None:
    """Before reading anything: the output can be created there, and it is no input.

    ``output`` None is standard output; ``relied_on`` holds (path, what it is) of the
    files besides the arguments that the run reads (the config file, plugin files).
    """
    if output is not None and "://" in output:
        _check_url_output(files, output, relied_on)
        return
    descriptor = 1 if output is None else named_descriptor(output)
    if descriptor is not None:
        written = _regular(_result_descriptor() if descriptor == 1 else descriptor)
        what = "standard output" if descriptor == 1 else f"-o {output} (descriptor {descriptor})"
        fix = "send the result elsewhere"
    else:
        assert output is not None  # for mypy: standard output has descriptor 1
        written = target_status(output, os.path.realpath(output))
        written = written if written is not None and stat.S_ISREG(written.st_mode) else None
        what, fix = f"the output file {output!r}", "choose another output path"
    same = (written.st_dev, written.st_ino) if written is not None else None
    for status, read in _inputs(files, relied_on) if same else ():
        if (status.st_dev, status.st_ino) == same:
            raise click.UsageError(f"{what} is also an input ({read}); {fix}")
    if descriptor is None:
        _refuse_a_path_read_next(files, str(output))


def _check_url_output(
    files: Sequence[str], output: str, relied_on: Sequence[tuple[str, str]]
) -> None:
    """An object ``-o`` names is no input: compared by store, bucket and key with each URL
    argument, and refused where a prefix or glob argument would read it in the next run."""
    from ..reading.stores import display, filesystem, normalised
    from .output_url import check_url_output
    from .storage_options import current_storage_options

    check_url_output(output)
    filesystem(output, current_storage_options())  # a missing package fails now, not after
    target = normalised(output)
    for name, what in [*((f, "") for f in files), *relied_on]:
        if "://" in name and normalised(name) == target:
            read = f"{display(name)}, {what}" if what else display(name)
            raise click.UsageError(
                f"the output {display(output)!r} is also an input ({read}); choose another "
                "output URL"
            )
    _refuse_a_path_read_next(files, output)


def _refuse_a_path_read_next(files: Sequence[str], output: str) -> None:
    """A new output path that a directory or glob argument would read is refused: the next
    identical run would read the result as data."""
    from ..reading.open import would_read

    for name in files:
        if would_read(name, output):
            from ..reading.stores import display

            raise click.UsageError(
                f"the output file {display(output)!r} would be read by the argument "
                f"{display(name)} as an "
                "input in the next run; choose a path it does not match"
            )


def _inputs(
    files: Sequence[str], relied_on: Sequence[tuple[str, str]]
) -> Iterator[tuple[os.stat_result, str]]:
    """The status of each file the run reads, and how to name it."""
    from ..reading.formats import STDIN
    from ..reading.open import input_files

    for name in files:
        stdin = _regular(0) if name == STDIN else None
        if stdin is not None:
            yield stdin, "the file on standard input, read as -"
        for path in input_files(name):
            yield from _status(path, path if path == name else f"{path}, of {name}")
    for path, what in relied_on:
        yield from _status(path, f"{path}, {what}")


def _status(path: str, read: str) -> Iterator[tuple[os.stat_result, str]]:
    try:
        yield os.stat(path), read  # through symlinks
    except OSError:
        return


def _result_descriptor() -> int:
    """The descriptor the result goes to as standard output (set aside once plugins load)."""
    from .plugin_stdout import result_stream

    try:
        return int(result_stream().fileno())
    except (AttributeError, OSError, ValueError):
        return 1


def _regular(descriptor: int) -> os.stat_result | None:
    """The status of the regular file open on ``descriptor``, or None (a pipe, a terminal,
    a device, or closed)."""
    try:
        status = os.fstat(descriptor)
    except OSError:
        return None
    return status if stat.S_ISREG(status.st_mode) else None


def note_config_output(ctx: click.Context, path: str, key: str, *, value: object) -> None:
    """Hold the error of a config's output outside the config file's directory (``..`` and
    symlinks resolved), for ``check_config_output`` to raise if the command line names none."""
    if not isinstance(value, str) or value in ("", "-"):
        return
    directory = os.path.realpath(os.path.dirname(path) or os.curdir)
    target = value if "://" in value else os.path.realpath(os.path.join(directory, value))
    if "://" in value or os.path.commonpath([directory, target]) != directory:
        ctx.meta[OUTSIDE] = (
            f"{path}: key {key!r} = {value!r} writes to {target}, outside the config file's "
            f"directory {directory}; a config file writes only below its own directory: "
            "change the key, or give -o PATH"
        )


def check_config_output(ctx: click.Context) -> None:
    """A usage error if the output comes from the config and lies outside its directory."""
    from .config import from_config

    if OUTSIDE in ctx.meta and from_config(ctx, "output") is not None:
        raise click.UsageError(ctx.meta[OUTSIDE])
