"""Messages on standard error, in one format: ``losscli: error: …`` on every line.

Errors of losscli and click's usage errors (an unknown option, a missing argument)
look the same; text quoted from data or the command line is shown literally
(``render.literal.visible``): a control character in a file name reaches the terminal
as ``\\x1b``, never raw.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import click

from ..render.literal import visible

PROG = "losscli"
# click 8.2+ shows the help of a bare command through this error: it stays help.
_SHOWN_AS_IS: tuple[type[Exception], ...] = tuple(
    filter(None, [getattr(click.exceptions, "NoArgsIsHelpError", None)])
)


def say(kind: str, message: str) -> None:
    """Each line of ``message`` on standard error as ``losscli: <kind>: <line>``."""
    prefix = f"{PROG}: {kind}: " if kind else f"{PROG}: "
    stores = sys.modules.get("losscli.reading.stores")  # loaded once a URL was met: its
    message = stores.redact(message) if stores is not None else message  # secrets never shown
    for line in message.split("\n"):
        click.echo(prefix + visible(line), err=True)


def usage_error_text(error: click.ClickException) -> str:
    """click's message in losscli's words: lower case first, then where to find help."""
    message = error.format_message()
    if message[:1].isupper() and message[1:2].islower():
        message = message[0].lower() + message[1:]
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        message += f"\nTry '{ctx.command_path} -h' for help."
    return message


class ReportedError(click.ClickException):
    """A click error, shown in losscli's format with its exit code (2 for usage errors)."""

    def __init__(self, error: click.ClickException) -> None:
        super().__init__(usage_error_text(error))
        self.exit_code: int = error.exit_code  # type: ignore[misc]

    def show(self, file: IO[Any] | None = None) -> None:
        say("error", self.message)


@contextmanager
def reported_click_errors(ours_too: bool = False) -> Iterator[None]:
    """Turn click's errors into ``ReportedError``; help shown for a bare command stays help.

    With ``ours_too``, losscli's own errors raised while options are read (a plugin
    that fails to load) are reported too, with their exit code; once the command runs,
    its own error handling (and ``--debug``) takes them.
    """
    from ..errors import LossCliError

    try:
        yield
    except click.ClickException as error:
        if isinstance(error, (ReportedError, *_SHOWN_AS_IS)):
            raise
        raise ReportedError(error) from error
    except LossCliError as error:
        if not ours_too:
            raise
        failure = click.ClickException(str(error))
        failure.exit_code = error.exit_code  # type: ignore[misc]
        raise ReportedError(failure) from error


class Command(click.Command):
    """A losscli command: errors while its options are read are reported as ours."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with reported_click_errors(ours_too=True):
            return super().make_context(*args, **kwargs)


class Group(click.Group):
    """losscli's command group: every click error of a command line is reported as ours."""

    command_class = Command

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with reported_click_errors(ours_too=True):
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with reported_click_errors():
            return super().invoke(ctx)
