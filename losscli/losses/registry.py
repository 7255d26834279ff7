"""The loss registry: what a loss is, and how names and aliases resolve to one.

A loss is a sum of per-row statistics, described by its :mod:`shape <.shapes>`: the
engine turns a batch into the shape's per-key sums (file, group, chunk, shard — all
the same), merges them, and finalizes them into values, vectorised over keys.
Nothing else is needed to evaluate a loss anywhere, or to put an interval on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, field, replace
from enum import Enum

import numpy as np

from ..errors import UsageError
from ..records import datarecord
from .by_class import PerClass
from .params import Param, Value, bind_values, canonical, split_spec
from .shapes import Shape, Sums, bound_shape
from .tasks import Task


class Direction(str, Enum):
    LOWER = "lower"
    HIGHER = "higher"
    NONE = "none"  # a signed loss (bias): neither side is better, so no best, no regression


@datarecord(frozen=True)
class Rule:
    """Rows the loss cannot use: counted per key from the loss's flag ``stat`` (0/1 per row).

    ``skip`` rules leave those rows out of this loss only and report how many;
    otherwise any such row makes the loss not applicable to the key.
    """

    stat: str
    message: str
    skip: bool = False

    def note(self, count: int) -> str:
        """What the rule did to ``count`` rows, for a footnote."""
        if not self.skip:
            return self.message
        return f"{count:,} row{'s' if count != 1 else ''} {self.message}"


@datarecord(frozen=True, eq=False)
class Loss:
    """A loss: its names, what the catalogue says of it, the tasks it scores, and its
    :mod:`shape <.shapes>`. Declared with keyword arguments (``Loss(name="mse",
    aliases=…, shape=Mean(…))``), as the built-in losses are."""

    name: str
    aliases: tuple[str, ...]
    description: str
    formula: str
    tasks: tuple[Task, ...]
    direction: Direction
    shape: Shape
    _: KW_ONLY  # the rest by name only
    rules: tuple[Rule, ...] = ()
    undefined: str = "not defined: no rows with positive weight to score"
    params: tuple[Param, ...] = ()
    arguments: Mapping[str, Value] = field(default_factory=dict)  # the bound parameter values
    family: str = ""  # the registered name of a parameterised copy ("" for the loss itself)
    origin: str = "built-in"  # or the plugin that registered it
    defined_by: str = ""  # module.qualname of the function that defined it (if known)
    columns: tuple[str, ...] = ()  # extra input columns the loss reads (batch.extra)
    per_class: PerClass | None = None  # its value per class (--per-class); None: not defined
    # the parameters naming quantile levels (pinball's q): a quantile forecast's columns it reads
    level_params: tuple[str, ...] = ()
    history: bool = False  # scaled by --history's series (mase, rmsse): named only, not in 'all'

    def __eq__(self, other: object) -> bool:
        """Losses are the same when their specs are: ``pinball:q=0.9`` named twice is one."""
        return isinstance(other, Loss) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    @property
    def built_in(self) -> bool:
        """Whether losscli defines it (not a plugin, nor the Python API)."""
        return self.origin == "built-in"

    @property
    def base(self) -> str:
        """The registered name (``pinball`` of ``pinball:q=0.9``)."""
        return self.family or self.name

    def bind(self, given: Sequence[tuple[str, str]]) -> Loss:
        """A copy with these parameter values; its name is the canonical spec."""
        values = bind_values(self.base, self.params, list(given))
        name = canonical(self.base, self.params, values)
        return replace(
            self,
            name=name,
            arguments=values,
            family=self.base,
            shape=bound_shape(self.shape, values),
            per_class=self.per_class and self.per_class.bound(values),
        )

    def finalize(self, sums: Sums) -> np.ndarray:
        """The value per key from this loss's own sums (``n``: the rows of each key)."""
        return np.asarray(self.shape.finalize(sums), dtype=float)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    @property
    def levels(self) -> tuple[float | None, ...]:
        """The quantile levels it reads of a quantile forecast (None: a level not named)."""
        return tuple(_level(self.arguments.get(name)) for name in self.level_params)

    @property
    def compared(self) -> bool:
        """Whether ``--compare`` pairs it with the reference: a mean or ratio of sums with a
        better direction (a signed loss, bias, has no verdict to give)."""
        return self.shape.paired and self.direction is not Direction.NONE

    def applies_to(self, multiclass: bool, levels: tuple[float, ...] = ()) -> bool:
        """Whether the loss scores this kind of data (one column: regression or binary;
        ``levels``: a quantile forecast's, which must hold every level the loss reads)."""
        if levels:
            return Task.QUANTILE in self.tasks and all(q in levels for q in self.levels)
        if multiclass:
            return Task.MULTICLASS in self.tasks
        return Task.REGRESSION in self.tasks or Task.BINARY in self.tasks


def _level(value: Value) -> float | None:
    return None if value is None else float(value)


REGISTRY: dict[str, Loss] = {}
DEFAULT_LOSSES = ("mse", "mape", "cross_entropy")
# Words the grammar uses, or will, as a loss list's whole (``-m all``) or as a prefix or
# scope (``overall:``, ``delta:``, ``first``, ``last``, ``class``, ``period``): never a
# loss's name, so that no loss can change what a check or a list means.
RESERVED = ("all", "overall", "delta", "first", "last", "class", "period")
# A loss's name or alias: a letter, then letters, digits and underscores. Nothing the
# grammar reads (``:`` ``=`` ``,`` ``<`` ``>`` ``%``, spaces) can be part of a name.
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# A parameter's name (``-m name:key=value``): the same, in lower case (keys are read so).
PARAM_NAME = re.compile(r"[a-z][a-z0-9_]*")


def name_problem(name: object) -> str:
    """Why ``name`` cannot name a loss ("" if it can)."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return (
            f"loss name {name!r}: a name starts with a letter and has only letters, "
            "digits and underscores (the loss grammar reads the other characters)"
        )
    if name.lower() in RESERVED:
        return (
            f"loss name {name!r} is reserved: the loss grammar uses "
            f"{', '.join(map(repr, RESERVED))}"
        )
    return ""


def param_problem(name: object) -> str:
    """Why ``name`` cannot name a parameter ("" if it can)."""
    if isinstance(name, str) and PARAM_NAME.fullmatch(name):
        return ""
    return (
        f"parameter name {name!r}: a parameter's name starts with a lowercase letter and "
        "has only lowercase letters, digits and underscores"
    )


def default_losses() -> tuple[str, ...]:
    """The three losses the tool exists to compare, as far as they are registered."""
    return tuple(name for name in DEFAULT_LOSSES if name in REGISTRY)


def register(loss: Loss) -> Loss:
    """Add ``loss`` to the registry, bound to its parameters' defaults; its names and
    aliases must be new, but a loss defined again by the same function (``defined_by``:
    a notebook cell run twice) from the same origin replaces the one it defined before:
    a plugin file cannot replace a loss of another file or of the Python API."""
    problems = [name_problem(name) for name in loss.names]
    problems += [param_problem(p.name) for p in loss.params]
    if any(problems):
        raise ValueError("; ".join(filter(None, problems)))
    taken = _by_name()
    clash = [name for name in loss.names if name.lower() in taken]
    if (
        clash
        and loss.defined_by
        and {(taken[c.lower()].defined_by, taken[c.lower()].origin) for c in clash}
        == {(loss.defined_by, loss.origin)}
    ):
        for old in {taken[c.lower()].name for c in clash}:
            del REGISTRY[old]
        return register(loss)
    if clash:
        owners = sorted({f"{taken[c.lower()].name} ({taken[c.lower()].origin})" for c in clash})
        raise ValueError(
            f"loss name(s) {', '.join(map(repr, clash))} of {loss.origin} already taken by "
            f"{', '.join(owners)}"
        )
    defaults = {p.name: p.default for p in loss.params}
    REGISTRY[loss.name] = replace(
        loss,
        arguments=defaults,
        shape=bound_shape(loss.shape, defaults),
        per_class=loss.per_class and loss.per_class.bound(defaults),
    )
    return REGISTRY[loss.name]


def unregister(name: str) -> Loss:
    """Remove the loss ``name`` (or an alias of it) that a plugin or the Python API
    registered, and return it; built-in losses stay."""
    loss = _by_name().get(str(name).lower())
    if loss is None:
        raise ValueError(f"no loss {name!r} is registered")
    if loss.built_in:
        raise ValueError(f"{loss.name!r} is a built-in loss; only registered losses can go")
    del REGISTRY[loss.name]
    return loss


def _by_name() -> dict[str, Loss]:
    return {name.lower(): loss for loss in REGISTRY.values() for name in loss.names}


# A config's plugin files, and who to tell as each loads: kept here, where loading is
# decided, so that deferring them imports no plugin machinery (``losscli.plugins``).
_deferred: list[tuple[str, Callable[[str], None] | None]] = []


def defer_plugin_files(paths: Sequence[str], loaded: Callable[[str], None] | None) -> None:
    """Plugin files to run with the installed plugins (``load_installed_plugins``), instead
    of any deferred before (none: forget them); ``loaded(path)`` is called after each runs."""
    _deferred[:] = [(path, loaded) for path in paths]


def load_installed_plugins() -> None:
    """Register installed packages' losses (entry points) and the plugin files a config
    names, the first time a name is not found or every loss is listed: runs without
    plugins never import the machinery."""
    from ..plugins import load_entry_points, load_file

    while _deferred:  # in order; one that fails is dropped, the rest stay deferred
        path, loaded = _deferred.pop(0)
        if load_file(path) and loaded is not None:
            loaded(path)
    load_entry_points()


def get_loss(spec: str) -> Loss:
    """The loss ``spec`` names: a name or alias (any case), with parameters
    (``pinball:q=0.9``); with none, or only default values, the registered loss."""
    name, given = split_spec(spec)
    if name.lower() not in _by_name():
        load_installed_plugins()
    try:
        loss = _by_name()[name.lower()]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise UsageError(
            f"unknown loss {name!r}{_did_you_mean(name)}; known losses: {known}, or 'all'"
        ) from None
    if not given:
        return loss
    bound = loss.bind(given)
    return loss if bound.name == loss.name else bound


def _did_you_mean(name: str) -> str:
    """`` (did you mean 'mse'?)``: the closest name or alias, where one is close."""
    import difflib

    close = difflib.get_close_matches(name.lower(), _by_name(), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def find_loss(column: str) -> Loss | None:
    """The loss a result column names, or None (a column of some other kind)."""
    try:
        return get_loss(column)
    except UsageError:
        return None


def resolve_losses(names: Iterable[str]) -> list[Loss]:
    """Losses named by ``names`` (comma lists allowed), without repeats, in the order given.

    ``all`` stands for every registered loss but those scaled by a ``--history``.
    """
    chosen: dict[str, Loss] = {}
    for item in names:
        for name in filter(None, (part.strip() for part in item.split(","))):
            if name.lower() == "all":
                load_installed_plugins()
                chosen.update({k: v for k, v in REGISTRY.items() if not v.history})
            else:
                loss = get_loss(name)
                chosen.setdefault(loss.name, loss)
    if not chosen:
        raise UsageError("no loss given; name at least one, or 'all'")
    return list(chosen.values())
