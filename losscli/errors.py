"""Errors a user can cause, each carrying the exit code the CLI maps it to.

Exit codes: 0 success, 1 a check failed, 2 usage error, 3 input error.
"""

from __future__ import annotations


class LossCliError(Exception):
    """Base of every error that is the user's to fix; never shown with a traceback."""

    exit_code = 3


class InputError(LossCliError):
    """The input cannot be evaluated: missing file or column, bad values (exit 3)."""

    exit_code = 3


class UsageError(LossCliError):
    """The request itself is wrong: unknown loss, conflicting options (exit 2)."""

    exit_code = 2
