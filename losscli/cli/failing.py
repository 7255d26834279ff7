"""Errors mapped to exit codes: losscli's own with a one-paragraph message (``--debug``
adds the traceback), anything else as a bug (70), and an error raised while a signal
unwinds the run as that signal (130/143)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import click

from .messages import say


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Map losscli's errors to exit codes with a one-paragraph message; --debug adds the
    traceback and keeps the exit code. Anything else is a bug: exit 70 (EX_SOFTWARE)."""

    @functools.wraps(command)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
        from ..errors import BUG, ClosedPipe, LossCliError

        try:
            return _interrupted_as_such(command, *args, **kwargs)
        except LossCliError as exc:
            _fail(_with_origin(str(exc)) + _help_hint(exc), exc.exit_code, debug)
        except (
            click.exceptions.Exit,
            click.ClickException,
            KeyboardInterrupt,
            ClosedPipe,
            BrokenPipeError,
        ):
            raise
        except Exception as exc:  # a bug: say so plainly, the traceback only with --debug
            hint = "above" if debug else "(run again with --debug to see it)"
            _fail(
                f"unexpected {type(exc).__name__}: {exc}. This is a bug in losscli; please "
                f"report it with the traceback {hint}.",
                BUG,
                debug,
            )

    return click.option(
        "--debug", is_flag=True, help="Show the traceback of an error (the exit code stays)."
    )(wrapper)


def _interrupted_as_such(command: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``command(...)``; an error raised on the way out of a signal's unwinding (a lock's
    ``release unlocked lock``, a cleanup's failure) ends the run as the signal asked."""
    from ..errors import interruption

    try:
        return command(*args, **kwargs)
    except Exception as exc:
        if (stop := interruption(exc)) is not None:
            raise stop from None
        raise


def _with_origin(message: str) -> str:
    """The message, naming the config file and key of a value it quotes."""
    from .config import blame

    ctx = click.get_current_context(silent=True)
    return message if ctx is None else blame(ctx, message)


def _help_hint(error: Exception) -> str:
    """A usage error's last line, as click's own have it: where to find help."""
    from ..errors import UsageError

    ctx = click.get_current_context(silent=True)
    if not isinstance(error, UsageError) or ctx is None:
        return ""
    return f"\nTry '{ctx.command_path} -h' for help."


def _fail(message: str, code: int, debug: bool = False) -> None:
    if debug:
        import traceback

        stores = sys.modules.get("losscli.reading.stores")  # loaded once a URL was met
        trace = traceback.format_exc()
        sys.stderr.write(stores.redact(trace) if stores is not None else trace)
    say("error", message)  # say() redacts
    sys.exit(code)
