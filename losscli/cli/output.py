"""Writing a result where it goes: standard output, or what ``-o PATH`` names.

A regular file (or a symlink to one) is replaced atomically: the text goes to a
temporary file beside the target, which is renamed over it only once written whole,
so a failure or a signal leaves the old file (or none) and no temporary file. A new
file gets mode 0666 minus the umask; an existing file keeps its mode. Devices and
FIFOs (``/dev/null``, a named pipe) are written to directly, and a path naming an open
file descriptor (``/dev/stdout``, ``/dev/fd/3``) to that descriptor, as a shell does
(so ``>> log`` appends). ``-o -`` is standard output; it and descriptor 1 named by a
path are the real standard output, which ``plugin_stdout`` keeps aside once plugins
load. A write that fails (disk full, permission denied, read-only file system, a
directory that vanished) is an environment error, exit 4.

The format follows the file's suffix (``-f auto``), and a file never holds what its
name contradicts: an unknown suffix is refused under ``-f auto``, and a known one that
names another format under an explicit ``-f`` (``.txt`` takes any text format). What
each format is (its suffixes, its encoding) is declared in ``render.formats``; a binary
one (Parquet) goes to standard output only when that is not a terminal.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
from collections.abc import Iterable
from typing import IO, Any

import click

from ..errors import ClosedPipe, EnvironmentFailure
from ..render.formats import (
    BINARY,
    FORMATS,
    TEXT_SUFFIXES,
    UTF8,
    Display,
    OutputFormat,
    Rendered,
    by_suffix,
)
from .plugin_stdout import discard_result_stream, result_stream

STDOUT = "-"
_DESCRIPTOR_PATH = re.compile(r"^/(?:dev/fd|proc/self/fd|proc/(\d+)/fd)/(\d+)$")
_STANDARD_PATHS = {"/dev/stdout": 1, "/dev/stderr": 2}  # links on Linux, devices elsewhere
_COMPRESSORS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", ".zst": "zstd", ".zstd": "zstd"}
_REASONS = {  # EDQUOT first: where it is missing (Windows), ENOSPC's entry replaces it
    getattr(errno, "EDQUOT", errno.ENOSPC): "the disk quota is exceeded; free some space, "
    "or write elsewhere with -o",
    errno.ENOSPC: "no space left on the device; free some space, or write elsewhere with -o",
    errno.EACCES: "permission denied; choose a path you may write with -o",
    errno.EPERM: "permission denied; choose a path you may write with -o",
    errno.EROFS: "the file system is read-only; choose another path with -o",
    errno.EISDIR: "it is a directory; name a file with -o",
}


def resolve_format(fmt: str, output: str | None) -> OutputFormat:
    """The format to write: ``fmt``, or for ``auto`` the one ``output``'s suffix names (a
    table on a terminal, else CSV, without one). A usage error where the file's name
    would contradict its content, and for a binary format on a terminal."""
    suffix = os.path.splitext(output)[1].lower() if output else ""
    if suffix in _COMPRESSORS:
        raise click.UsageError(
            f"-o {output}: losscli does not compress its output; compress it through a "
            f"pipe: losscli evaluate … -f csv | {_COMPRESSORS[suffix]} > {output}"
        )
    chosen = _format_of_suffix(output, suffix) if fmt == "auto" else FORMATS[fmt]
    named = by_suffix().get(suffix)
    if named is not None and not _suffix_fits(suffix, named, chosen):
        raise click.UsageError(
            f"-o {output}: the suffix {suffix} names {named.name}, not {chosen.name} "
            f"as -f says; name the file for its format, or leave -f to the suffix"
        )
    if chosen.encoding == BINARY and _to_terminal(output):
        raise click.UsageError(
            f"{chosen.title} is binary and standard output is a terminal; write it to a "
            f"file (-o result{chosen.suffixes[0]}) or pipe it"
        )
    return chosen


def _format_of_suffix(output: str | None, suffix: str) -> OutputFormat:
    if not output:
        return FORMATS["table" if result_stream().isatty() else "csv"]
    if not suffix:
        return FORMATS["csv"]  # /dev/null, a FIFO, a file named without one
    known = by_suffix()
    if suffix not in known:
        formats = ", ".join(sorted({fmt.name for fmt in known.values()}))
        raise click.UsageError(
            f"-o {output}: unknown suffix {suffix}; losscli writes {formats}: name the "
            f"file with one of {', '.join(known)}, or give the format with -f"
        )
    return known[suffix]


def _suffix_fits(suffix: str, named: OutputFormat, chosen: OutputFormat) -> bool:
    """Whether a file named with ``suffix`` (which names ``named``) may hold ``chosen``."""
    plain = suffix in TEXT_SUFFIXES and chosen.encoding != BINARY
    return named is chosen or plain


def _to_terminal(output: str | None) -> bool:
    """Whether the result would go to a terminal: standard output, or a path naming it."""
    descriptor = 1 if output is None else named_descriptor(output)
    if descriptor == 1:
        return bool(result_stream().isatty())
    try:
        return descriptor is not None and os.isatty(descriptor)
    except OSError:
        return False


def emit(
    result: Any,
    fmt: OutputFormat,
    precision: int,
    output: str | None,
    max_rows: int | None = None,
    *,
    layout: str | None = None,
    table: str = "rows",
    **view: Any,
) -> None:
    """Render the result and write it: standard output when ``output`` is None. A format
    that streams is written as it is made, in pieces (a file still appears whole or not
    at all); a binary one as bytes.

    A view for people shows at most ``max_rows`` group rows per file and model (None: as
    :func:`default_max_rows` says; 0: all); the other formats carry every row. ``view``
    holds the rest of the :class:`Display` (``chart``, ``no_chart``).
    """
    to_terminal = output is None
    if max_rows is None:
        max_rows = default_max_rows(fmt, to_terminal)
    stream = result_stream() if to_terminal else None
    rows = max_rows if fmt.human else None  # the other formats carry every row
    display = Display(
        digits=precision, max_rows=rows, stream=stream, layout=layout, table=table, **view
    )  # --layout, --table, --chart
    text = fmt.render(result, display)
    if output is None:
        write_stdout(text, fmt)
    else:
        write_path(output, text, fmt)


TABLE_CHROME_LINES = 12  # title, header, rules, overall row, footnotes and the prompt
HUMAN_MAX_ROWS = 50  # markdown, and a table that is not on a terminal


def default_max_rows(fmt: OutputFormat, to_terminal: bool) -> int:
    """A screenful for the table on a terminal; 50 group rows for markdown and other tables."""
    if fmt.screenful and to_terminal and result_stream().isatty():
        import shutil

        return max(10, shutil.get_terminal_size().lines - TABLE_CHROME_LINES)
    return HUMAN_MAX_ROWS


def _pieces(text: Rendered) -> Iterable[str | bytes]:
    return [text] if isinstance(text, (str, bytes)) else text


def _write_pieces(handle: IO[bytes], text: Rendered) -> None:
    for piece in _pieces(text):
        handle.write(piece if isinstance(piece, bytes) else piece.encode("utf-8"))


def write_stdout(text: Rendered, fmt: OutputFormat, *, as_file: bool = False) -> None:
    """Standard output: text of a UTF-8 format, or rendered ``as_file``, as UTF-8 bytes
    whatever its encoding; bytes as they are; other text as text. A closed pipe is left
    to the caller; other write errors are exit 4."""
    stdout = result_stream()
    binary = getattr(stdout, "buffer", None)
    utf8 = as_file or fmt.encoding == UTF8
    try:
        if (utf8 or isinstance(text, bytes)) and binary is not None:
            stdout.flush()
            _write_pieces(binary, text)
            binary.flush()
        elif isinstance(text, bytes):  # a text stream put in place of standard output
            _write_bytes_beside(text, fmt)
        else:
            for piece in _pieces(text):
                stdout.write(piece if isinstance(piece, str) else piece.decode())
            stdout.flush()
    except BrokenPipeError as exc:
        raise ClosedPipe from exc  # not an OSError: click would exit 1 on one
    except OSError as exc:
        discard_result_stream()  # else the interpreter fails again flushing it at exit
        raise EnvironmentFailure(
            f"standard output: cannot write the result: {_reason(exc)}"
        ) from exc


def _write_bytes_beside(data: bytes, fmt: OutputFormat) -> None:
    """Bytes for a standard output that takes only text (no ``.buffer``): to its descriptor
    if it has one, else refused (exit 4), never decoded as text."""
    stdout = result_stream()
    try:
        descriptor = stdout.fileno()
    except (AttributeError, OSError, ValueError) as exc:
        raise EnvironmentFailure(
            f"standard output takes only text here, and {fmt.title} is binary; write it to "
            f"a file with -o result{fmt.suffixes[0]}"
        ) from exc
    stdout.flush()
    with os.fdopen(os.dup(descriptor), "wb") as handle:
        handle.write(data)


def write_path(path: str, text: Rendered, fmt: OutputFormat) -> None:
    """Write ``text`` to what ``path`` names, following symlinks (see the module docstring);
    a URL names an object of a store (``output_url``)."""
    if "://" in path:
        from .output_url import write_url
        from .storage_options import current_storage_options

        encoded = (p if isinstance(p, bytes) else p.encode("utf-8") for p in _pieces(text))
        write_url(path, encoded, current_storage_options())
        return
    descriptor = named_descriptor(path)
    if descriptor is not None:
        _write_descriptor(path, descriptor, text, fmt)
        return
    target = os.path.realpath(path)
    existing = target_status(path, target)
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        _write_in_place(path, target, text)
    else:
        _replace_atomically(path, target, text, existing)


def _write_in_place(path: str, target: str, text: Rendered) -> None:
    """A device or FIFO: no temporary file, the reader gets the text as it is written."""
    try:
        with open(target, "wb") as handle:
            _write_pieces(handle, text)
    except OSError as exc:
        raise _write_failure(path, exc) from exc


def named_descriptor(path: str) -> int | None:
    """The file descriptor ``path`` names through its symlinks (``/dev/stdout``: 1), or None."""
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's limit on symlinks followed
        if current in _STANDARD_PATHS:
            return _STANDARD_PATHS[current]
        found = _DESCRIPTOR_PATH.match(current)
        if found and found.group(1) in (None, str(os.getpid())):
            return int(found.group(2))
        if not os.path.islink(current):
            return None
        current = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
    return None


def _write_descriptor(path: str, descriptor: int, text: Rendered, fmt: OutputFormat) -> None:
    if descriptor == 1:
        write_stdout(text, fmt, as_file=True)  # rendered as for a file
        return
    try:
        sys.stderr.flush()
        with os.fdopen(os.dup(descriptor), "wb") as handle:
            _write_pieces(handle, text)
    except OSError as exc:
        raise _write_failure(path, exc) from exc


def _replace_atomically(
    path: str, target: str, text: Rendered, existing: os.stat_result | None
) -> None:
    import secrets

    temporary = os.path.join(
        os.path.dirname(target), f".losscli-{os.getpid()}-{secrets.token_hex(4)}.tmp"
    )
    try:  # mode 0666: the umask applies, as for any new file
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except PermissionError as exc:  # the directory's permission, also for an existing file
        directory = os.path.dirname(target)
        raise EnvironmentFailure(
            f"{path}: cannot write the output: permission denied in the directory "
            f"{directory}; choose a path you may write with -o"
        ) from exc
    except OSError as exc:
        raise _write_failure(path, exc) from exc
    try:
        with os.fdopen(descriptor, "wb") as handle:
            if existing is not None:
                _keep_mode_and_owner(handle.fileno(), existing)
            _write_pieces(handle, text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException as exc:  # a write error, or a signal: leave nothing behind
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _write_failure(path, exc) from exc
        raise


def _keep_mode_and_owner(descriptor: int, existing: os.stat_result) -> None:
    if hasattr(os, "fchmod"):  # not on Windows before Python 3.13
        os.fchmod(descriptor, stat.S_IMODE(existing.st_mode))
    if hasattr(os, "fchown"):
        with contextlib.suppress(PermissionError):  # only root may give a file away
            os.fchown(descriptor, existing.st_uid, existing.st_gid)


def target_status(path: str, target: str) -> os.stat_result | None:
    """The target's status, or None when it is new (then its directory must exist).

    A target that exists must be writable, though replacing it only needs its directory.
    """
    try:
        found = os.stat(target)
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise _write_failure(path, exc) from exc
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise _write_failure(path, OSError(errno.EISDIR, "is a directory"))
    if found is not None and not os.access(target, os.W_OK):  # a read-only file, as `>` says
        raise _write_failure(path, OSError(errno.EACCES, "permission denied"))
    if found is None:
        try:
            os.stat(os.path.dirname(target))
        except OSError as exc:
            raise _write_failure(path, exc) from exc
    return found


def _write_failure(path: str, exc: OSError) -> EnvironmentFailure:
    if exc.errno == errno.ENOENT:
        directory = os.path.dirname(os.path.realpath(path))
        reason = f"the directory {directory} does not exist; create it, or choose another path"
    else:
        reason = _reason(exc)
    return EnvironmentFailure(f"{path}: cannot write the output: {reason}")


def _reason(exc: OSError) -> str:
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return (exc.strerror or str(exc)).lower()
