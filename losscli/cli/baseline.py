"""The baseline as the command line meets it: absent, missing, from another version.

``--max-regression`` without a baseline is a usage error, unless a config file set it
(then it is skipped with a note naming the file). A missing or unreadable baseline's
message ends with the command that (re)creates it: this run's files and the options
given on the command line, with ``-f json -o FILE``.
"""

from __future__ import annotations

from typing import Any

import click
from click.core import ParameterSource

from ..errors import InputError
from .config import from_config

# Options that shape the gate or the output, not the values: left out of the command.
_NOT_VALUES = {
    "baseline",
    "tolerances",
    "checks",
    "fmt",
    "output",
    "quiet",
    "precision",
    "require_baseline",
    "allow_missing_baseline",
    "progress",
    "debug",
    "storage_options",  # may hold secrets: the command names none
}


def prepare_baseline(
    path: str | None, tolerances: tuple[Any, ...], allow_missing: bool
) -> tuple[Any, tuple[Any, ...], list[str]]:
    """Before reading the inputs: the baseline (or None), the tolerances to judge, notes."""
    if path is None:
        return None, (), [_skip_tolerances_from_config()] if tolerances else []
    baseline, notes = load_baseline_or_explain(path, allow_missing)
    return baseline, tolerances if baseline is not None else (), notes


def _skip_tolerances_from_config() -> str:
    origin = from_config(click.get_current_context(), "tolerances")
    if origin is None:
        raise click.UsageError("--max-regression needs --baseline FILE to compare with")
    return (
        f"{origin}: max-regression is skipped: there is no baseline to compare with "
        f"(give --baseline FILE, or set baseline in {origin})"
    )


def load_baseline_or_explain(path: str, allow_missing: bool) -> tuple[Any, list[str]]:
    """The baseline, or (None, a warning) when it is missing and that is allowed."""
    from ..gating.baseline import MissingBaseline, UnreadableBaseline, load_baseline
    from .storage_options import current_storage_options

    try:
        return load_baseline(path, current_storage_options()), []
    except MissingBaseline as exc:
        message = f"{exc}; create it with: {recreate_command(path)}"
        if allow_missing:
            return None, [f"{message} (nothing was compared: --allow-missing-baseline)"]
        raise InputError(f"{message}, or pass --allow-missing-baseline") from None
    except UnreadableBaseline as exc:
        raise InputError(
            f"{exc}; regenerate it with this losscli: {recreate_command(path)}"
        ) from None


def recreate_command(path: str) -> str:
    """``losscli evaluate`` with this run's files and value options, writing JSON to ``path``."""
    ctx = click.get_current_context()
    words = ["losscli", "evaluate", *ctx.params.get("files", ())]
    for param in ctx.command.params:
        name = param.name
        if not isinstance(param, click.Option) or name is None or name in _NOT_VALUES:
            continue
        if ctx.get_parameter_source(name) is not ParameterSource.COMMANDLINE:
            continue
        words += _option_words(param, ctx.params[name])
    if from_config(ctx, "baseline") is not None:  # else that run would look for it too
        words += ["--baseline", ""]
    import shlex  # here: only a run that misses its baseline quotes a command

    return shlex.join([*words, "-f", "json", "-o", path])


def _option_words(option: click.Option, value: Any) -> list[str]:
    if option.is_flag:
        names = option.opts if value or not option.secondary_opts else option.secondary_opts
        return [max(names, key=len)]
    flag = max(option.opts, key=len)
    values = value if option.multiple else [value]
    return [word for item in values if item not in (None, "") for word in (flag, str(item))]
