"""Statistics, declared: what a loss keeps per key, and how two partials' values combine.

A :class:`Statistic` is a name (local to its loss: what ``compute`` reads), a
:class:`Kind` and a :class:`Role`. The kind says everything the engine does with it:
how a block's rows make a state (:meth:`Kind.of_rows`), how two states of the same keys
combine (:meth:`Kind.combined`), how a state grows, is cut to its keys, and is shown
for ordered keys and then for all keys pooled (the overall row, :meth:`Kind.rows`), and
what the bootstrap resamples of it (:meth:`Kind.replicated`, :meth:`Kind.replicate_rows`).
A partial merges, pickles and finalizes any statistic from its declaration alone: no
code reads a statistic's name for its meaning.

Adding a kind of statistic (bins per key, counts per class, boundary values in order)
is one subclass of :class:`Kind` here (or in the module that needs it), returned by a
custom loss's ``statistics`` as ``Valued(kind, column)``.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..columns import Spread
from ..records import datarecord
from .comoments import merged, pooled
from .declarations import Problem, per_row_problem, same_fields
from .reduce import add_at, key_max, key_sum, slice_of

if TYPE_CHECKING:  # R²'s moments: imported where a run keeps them (start-up, #18)
    from .moments import Centred

State = Any  # a kind's per-key state: an array with a row per key, or a kind's own object


class Role(Enum):
    """What a statistic is for: a loss's value (what ``compute`` reads), the rows one of
    its rules flags, or the co-moments of its intervals and paired comparisons."""

    VALUE = "value"
    FLAG = "flag"
    SPREAD = "spread"


class Kind:
    """How a statistic's per-key state is made, combined, grown, shown and resampled. The
    base class is a state of one array row per key, combined by a ufunc-like merge.

    The contract: a kind is a value (two kinds of one type with equal fields are the
    same kind, so a loss may build its kind anew in every batch); :meth:`combined`,
    :meth:`pooled` and :meth:`rows` never change their inputs (a state may be shared by
    two keys, two partials, or two threads finalizing the same partial); only
    :meth:`added` and :meth:`absorb` write, into their first argument.
    """

    fill: ClassVar[float] = 0.0  # a key without rows
    shifted: ClassVar[bool] = False  # resampled as PowerSums around each key's first value
    resampled: ClassVar[bool] = False  # the bootstrap resamples it (:meth:`replicated`)
    table: ClassVar[bool] = False  # entries the fold's guard charges as they merge (ranks, pairs)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return False
        return same_fields(vars(self), vars(other))

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in vars(self).items())
        return f"{type(self).__name__}({fields})"

    def check(self, column: Any, rows: int, label: str) -> Problem:
        """What is wrong with a custom loss's per-row ``column`` of this kind ("": nothing):
        by default, an array of real, finite values whose first axis is the rows."""
        return per_row_problem(np.asarray(column), rows, label, ndims=range(1, 33))

    def key_bytes(self) -> int:
        """Bytes per key of a state wide enough for the memory budget to count (a diagram's
        bins: :mod:`.bins`); 0 for the few floats per key most statistics keep."""
        return 0

    def names(self, name: str) -> tuple[str, ...]:
        """The names ``compute`` reads this statistic's state under (:meth:`rows`)."""
        return (name,)

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        """The state of one block's rows (``codes``: their keys; None: one key)."""
        raise NotImplementedError

    def combined(self, mine: State, theirs: State) -> State:
        """The state of both row sets, key by key (rows aligned), new: neither changes."""
        raise NotImplementedError

    def empty(self, size: int, like: State) -> State:
        return np.full((size, *like.shape[1:]), self.fill)

    def grown(self, state: State, size: int) -> State:
        """Room for ``size`` keys (new keys hold no rows)."""
        pad = np.full((size - len(state), *state.shape[1:]), self.fill)
        return np.concatenate([state, pad])

    def trimmed(self, state: State, size: int) -> State:
        return state[:size]

    def added(self, mine: State, theirs: State) -> State:
        """:meth:`combined`, written into ``mine`` where the kind can (a chunk's own state)."""
        return self.combined(mine, theirs)

    def absorb(self, mine: State, theirs: State, at: np.ndarray) -> State:
        """``theirs`` (its keys are ``at`` here) combined into ``mine``, in place."""
        mine[at] = self.combined(mine[at], theirs)
        return mine

    def pooled(self, state: State) -> np.ndarray:
        """One row: every key's rows together (the overall row)."""
        raise NotImplementedError

    def rows(self, name: str, state: State, order: np.ndarray, *, size: int) -> dict[str, Any]:
        """What ``compute`` reads: the state of the ordered keys, then the pooled row (the
        state does not change)."""
        return {name: np.concatenate([state[order], self.pooled(state)])}

    def replicated(self, column: Any, shift: np.ndarray | None) -> list[Any]:
        """The per-row columns the bootstrap sums under every resample's weights ([]: none);
        ``shift``: per row, its key's first value in the chunk (for a shifted kind)."""
        return []

    def shift_source(self, column: Any) -> np.ndarray:
        """The per-row values whose first per key is a shifted kind's shift."""
        raise NotImplementedError

    def replicate_rows(
        self, name: str, parts: list[np.ndarray], shift: np.ndarray | None, *, order: np.ndarray
    ) -> dict[str, np.ndarray]:
        """The state as each resample saw it, from its parts' (keys × resamples) sums."""
        raise NotImplementedError


@datarecord(frozen=True)
class Sum(Kind):
    """Σ column per key; a (rows × K) column keeps K sums per key (counts per class, bins)."""

    resampled: ClassVar[bool] = True

    def check(self, column: Any, rows: int, label: str) -> Problem:
        return per_row_problem(np.asarray(column), rows, label, ndims=(1, 2))

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        if isinstance(column, np.ndarray) and column.ndim == 2:
            return np.stack([key_sum(codes, n_keys, np.ascontiguousarray(c)) for c in column.T], 1)
        return key_sum(codes, n_keys, column)

    def combined(self, mine: State, theirs: State) -> State:
        return mine + theirs

    def added(self, mine: State, theirs: State) -> State:
        return np.add(mine, theirs, out=mine)

    def absorb(self, mine: State, theirs: State, at: np.ndarray) -> State:
        add_at(mine, theirs, slice_of(at))
        return mine

    def pooled(self, state: State) -> np.ndarray:
        return state.sum(axis=0)[None]

    def replicated(self, column: Any, shift: np.ndarray | None) -> list[Any]:
        if isinstance(column, np.ndarray) and column.ndim == 2:
            return list(column.T)
        return [column]

    def replicate_rows(
        self, name: str, parts: list[np.ndarray], shift: np.ndarray | None, *, order: np.ndarray
    ) -> dict[str, np.ndarray]:
        rows = [np.concatenate([p[order], p.sum(axis=0)[None]]) for p in parts]
        return {name: rows[0] if len(rows) == 1 else np.stack(rows, axis=-1)}


@datarecord(frozen=True)
class Largest(Kind):
    """max column per key (−inf without rows); a minimum is kept as −max."""

    fill: ClassVar[float] = -np.inf

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        return key_max(codes, n_keys, column)

    def combined(self, mine: State, theirs: State) -> State:
        return np.maximum(mine, theirs)

    def pooled(self, state: State) -> np.ndarray:
        return np.array([np.max(state, initial=-np.inf)])

    def check(self, column: Any, rows: int, label: str) -> Problem:
        return per_row_problem(np.asarray(column), rows, label)


@datarecord(frozen=True)
class Moments(Kind):
    """Shifted moments of a :class:`~losscli.columns.Spread` (R²'s Σw(y − ȳ)²), one
    :class:`~.moments.Centred` value per key, kept as rows (weight, mean, M2, shift): the
    mean taken of y − shift, the shift being the key's first value (NaN: no rows yet). Two
    states merge, and the pooled row is made, as that value does. The bootstrap resamples
    the :class:`~.moments.PowerSums` of y − shift instead (a product with the weights is a
    sum), re-based the same way."""

    shifted: ClassVar[bool] = True
    resampled: ClassVar[bool] = True

    def check(self, column: Any, rows: int, label: str) -> Problem:
        if not isinstance(column, Spread):
            return f"returned a {label} of type {type(column).__name__}, not a Spread", None
        weights = np.asarray(column.weights)
        problem = per_row_problem(np.asarray(column.values), rows, label)
        return problem if problem[0] else per_row_problem(weights, rows, f"{label}'s weights")

    def names(self, name: str) -> tuple[str, ...]:
        return f"{name}.w", f"{name}.mean", f"{name}.m2"

    def of_rows(self, codes: np.ndarray | None, n_keys: int, column: Any) -> State:
        from .moments import Centred

        return _state(Centred.of_rows(codes, n_keys, column.values, column.weights))

    def empty(self, size: int, like: State) -> State:
        from .moments import Centred

        return _state(Centred.empty(size))

    def grown(self, state: State, size: int) -> State:
        return np.concatenate([state, self.empty(size - len(state), state)])

    def combined(self, mine: State, theirs: State) -> State:
        return _state(_centred(mine).merged(_centred(theirs)))

    def rows(self, name: str, state: State, order: np.ndarray, *, size: int) -> dict[str, Any]:
        moments = _centred(state)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow: reported by the loss
            shown = moments.taken(order).shown(), moments.pooled().shown()
        columns = (np.append(mine, pooled) for mine, pooled in zip(*shown, strict=True))
        return dict(zip(self.names(name), columns, strict=True))

    def shift_source(self, column: Any) -> np.ndarray:
        return np.asarray(column.values)

    def replicated(self, column: Any, shift: np.ndarray | None) -> list[Any]:
        from .moments import PowerSums

        assert shift is not None
        return PowerSums.terms(column.values, column.weights, shift)

    def replicate_rows(
        self, name: str, parts: list[np.ndarray], shift: np.ndarray | None, *, order: np.ndarray
    ) -> dict[str, np.ndarray]:
        from .moments import PowerSums

        assert shift is not None
        sums = PowerSums(shift, *parts)
        shown = sums.taken(order).then(sums.pooled()).shown()
        return dict(zip(self.names(name), shown, strict=True))


def _centred(state: State) -> Centred:
    from .moments import Centred

    w, mean, m2, shift = state.T
    return Centred(shift, w, mean, m2)


def _state(moments: Centred) -> State:
    return np.stack([moments.w, moments.mean, moments.m2, moments.shift], axis=1)


@datarecord(frozen=True)
class CoMoments(Kind):
    """Scaled co-moments per key (:mod:`.comoments`), summed over a chunk's blocks by
    :class:`~.shifted.ChunkMoments` and merged by Chan's formula."""

    def combined(self, mine: State, theirs: State) -> State:
        return merged(mine, theirs)

    def pooled(self, state: State) -> np.ndarray:
        return pooled(state)


SUM, LARGEST, MOMENTS, COMOMENTS = Sum(), Largest(), Moments(), CoMoments()


@datarecord(frozen=True, eq=False)
class Statistic:
    """A per-key statistic of one loss: its name (local to the loss), kind and role. Its
    identity is its name and role: a loss keeps one kind under a name
    (:func:`~.declarations.same_kind`)."""

    name: str
    kind: Kind
    role: Role = Role.VALUE

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.name, self.role)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Statistic):
            return NotImplemented
        return self is other or (self.name == other.name and self.role is other.role)

    def __hash__(self) -> int:
        """Hashed once, when made (the kernel and the fold look statistics up per block and
        chunk); never pickled, as a string's hash differs between processes."""
        return self._hash  # type: ignore[attr-defined]

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "role": self.role}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self.__post_init__()


Key = tuple[str, str, Statistic]  # (model, loss column, statistic): each loss owns its own
# A loss's row count, read as ``n`` where the loss declares no ``n`` of its own (and resampled
# with a custom finalize's sums): no statistic name is the engine's.
ROWS = Statistic("n", SUM)


@datarecord(frozen=True)
class Valued:
    """A custom loss's per-row column of a kind other than a sum or a spread (see
    :class:`Kind`): ``statistics`` returns ``Valued(kind, column)`` under its name."""

    kind: Kind
    column: Any


def declared(name: str, value: Any) -> tuple[Statistic, Any]:
    """The statistic a custom loss's column declares by its type, and the column itself:
    a :class:`Spread` keeps moments, a :class:`Valued` its kind, any other is summed."""
    if isinstance(value, Spread):
        return Statistic(name, MOMENTS), value
    if isinstance(value, Valued):
        return Statistic(name, value.kind), value.column
    return Statistic(name, SUM), value


def flag(stat: str) -> Statistic:
    """The count of rows a rule ``stat`` flags (a loss's flags are kept apart from its sums)."""
    return Statistic(stat, SUM, Role.FLAG)
