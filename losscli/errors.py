"""Errors a user can cause, each carrying the exit code the CLI maps it to.

Exit codes:

====  ==========================================================================
0     success
1     a check failed (``--check``, ``--max-regression``, ``--require-baseline``)
2     usage error: the command line or a config value is wrong
3     input error: the input cannot be evaluated (missing file or column, bad values)
4     environment error: the output cannot be written (disk full, permission
      denied, read-only filesystem, a directory that vanished), a plugin fails
      (missing, import error, raises, wrong shape), or the run needs more memory
      than ``--max-memory`` allows; later also a store that cannot be reached
70    internal error: a bug in losscli (``EX_SOFTWARE``); ``--debug`` shows the traceback
130   interrupted (SIGINT, Ctrl-C); nothing is left behind
143   terminated (SIGTERM); nothing is left behind
====  ==========================================================================

``--debug`` adds the traceback to an error's message and keeps its exit code.
"""

from __future__ import annotations

BUG = 70  # EX_SOFTWARE (sysexits.h): an unexpected error, which is losscli's to fix


class LossCliError(Exception):
    """Base of every error that is the user's to fix; never shown with a traceback."""

    exit_code = 3


class InputError(LossCliError):
    """The input cannot be evaluated: missing file or column, bad values (exit 3)."""

    exit_code = 3


class MissingFile(InputError):
    """An input file named on the command line or in a config does not exist (exit 3)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: no such file")
        self.path = path


class UsageError(LossCliError):
    """The request itself is wrong: unknown loss, conflicting options (exit 2)."""

    exit_code = 2


class PluginFailure(LossCliError):
    """A plugin failed: it cannot be imported, raises, or returns a wrong shape (exit 4).

    ``row``: the batch's row where a plugin's value went wrong, for the engine to name
    as the file's data row (None once named, or where no one row is wrong).
    """

    exit_code = 4

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.row = row


class EnvironmentFailure(LossCliError):
    """The environment failed: the output cannot be written, and the like (exit 4).

    Not the input's fault and not a bug: a full disk, a permission, a read-only
    filesystem, a directory that vanished while the run went on.
    """

    exit_code = 4


class Interrupted(BaseException):
    """A signal asked the run to stop (SIGINT, SIGTERM); the exit code is 128 + its number.

    A ``BaseException`` so that nothing on the way catches it as an error, and
    ``with`` blocks still clean up (no partial output file).
    """

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal_number)
        self.exit_code = 128 + signal_number


def interruption(error: BaseException) -> Interrupted | None:
    """The signal an error was raised while unwinding from, if any.

    A signal's handler raises wherever the main thread is, also inside a lock's or a
    queue's own code; unwinding from there can raise again (``RuntimeError: release
    unlocked lock``), and that second error carries the first as its context. The run was
    still interrupted, not broken: it ends as the signal asked.
    """
    seen: set[int] = set()
    found: BaseException | None = error
    while found is not None and id(found) not in seen:
        if isinstance(found, Interrupted):
            return found
        seen.add(id(found))
        found = found.__cause__ or found.__context__
    return None


class ClosedPipe(Exception):
    """Standard output's reader went away (``| head``): the run ends quietly, exit 0."""
