"""The rows a loss sees: labels, predictions and weights of one chunk, as float64 arrays.

Every array a loss is given is read-only (the write flag off, nothing copied): the
same arrays feed every loss and model of the chunk, so a loss that wrote into one
would change the others' values. A write raises ``ValueError`` instead.

A multi-class logit model's matrices (one-hot labels, logits, log p, p) are made on first
read (:class:`Deferred`): cross-entropy from class labels needs none of them
(:func:`~.softmax.label_log_softmax`).

Plugin code gets a batch of its own (:meth:`Batch.guest`): views of the same rows that
cannot be made writeable again, and its own cache of derived columns, so that nothing
it does to its batch or the arrays in it reaches the batch the built-in losses share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field, replace
from types import MappingProxyType
from typing import Any, Generic, TypeVar, overload

import numpy as np

from ..columns import Ones, Spread  # noqa: F401 (Spread: re-exported, as before)
from ..records import datarecord

EPS = float(np.finfo(np.float64).eps)


@datarecord(frozen=True)
class Params:
    """Loss parameters the user can set."""

    eps: float = EPS  # probabilities are clipped to [eps, 1 − eps], as scikit-learn's log_loss
    from_logits: bool = False


def read_only(array: np.ndarray) -> np.ndarray:
    """``array`` with its write flag off (the array itself: no copy)."""
    array.flags.writeable = False
    return array


def sealed_view(array: np.ndarray) -> np.ndarray:
    """A view of ``array`` (no copy) that cannot be written, nor made writeable again:
    its base is a read-only memoryview, so ``setflags(write=True)`` fails whoever owns
    the memory (the write flag of ``array`` itself can be turned back on by its owner)."""
    try:
        return np.asarray(array.data.toreadonly())
    except (TypeError, ValueError, BufferError):  # a dtype no buffer can carry (objects)
        return read_only(array.view())


def _sealed(array: np.ndarray | None) -> np.ndarray | None:
    return None if array is None else sealed_view(array)


DERIVED = ("err", "abs_err", "w_array")  # the cached columns a guest is handed if made


class derived:  # a decorator, as functools.cached_property
    """A derived column: made on first use and kept in the batch's ``__dict__``, as by
    ``functools.cached_property`` but without the lock Python 3.11's takes on every first
    use (a batch is made per block, so every use of it is a first one; a batch is made and
    read by one thread)."""

    def __init__(self, make: Callable[[Batch], np.ndarray]) -> None:
        self.make, self.__doc__ = make, make.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, batch: Batch | None, owner: Any = None) -> Any:
        if batch is None:
            return self
        made = batch.__dict__[self.name] = self.make(batch)
        return made


class Deferred:
    """A batch's matrix made on first read (``make()``): two-dimensional, as
    :attr:`Batch.multiclass` asks without making it."""

    __slots__ = ("make", "rows")
    ndim = 2

    def __init__(self, make: Callable[[], np.ndarray], rows: int) -> None:
        self.make, self.rows = make, rows

    def __len__(self) -> int:
        return self.rows


T = TypeVar("T", np.ndarray, "np.ndarray | None")
_REQUIRED: Any = object()


class Made(Generic[T]):
    """A :class:`Batch` field that may be given :class:`Deferred`: made on its first read,
    read-only as every array of a batch (a dataclass field whose default is a descriptor:
    the dataclass's ``__init__`` sets it through :meth:`__set__`)."""

    def __init__(self, default: Any = _REQUIRED) -> None:
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, batch: None, owner: Any = None) -> Made[T]: ...
    @overload
    def __get__(self, batch: Batch, owner: Any = None) -> T: ...
    def __get__(self, batch: Batch | None, owner: Any = None) -> Any:
        if batch is None:  # the dataclass asks for the field's default
            if self.default is _REQUIRED:
                raise AttributeError(self.name)
            return self.default
        value = batch.__dict__[self.name]
        if isinstance(value, Deferred):
            value = batch.__dict__[self.name] = read_only(value.make())
        return value

    def __set__(self, batch: Batch, value: T | Deferred) -> None:
        batch.__dict__[self.name] = value


@datarecord(frozen=True)
class Batch:
    """One chunk of rows.

    ``w`` is None when no weight column is given; losses weigh their terms with
    :meth:`weigh` and sum :attr:`weights`, which cost nothing then.
    Regression and binary data have 1-D ``y`` and ``p``; multi-class data has
    (rows × classes) matrices: one-hot (or soft) labels and class probabilities; a
    quantile forecast (``--quantiles``) has 1-D ``y`` and a (rows × levels) ``p``, column k
    the quantile at ``levels[k]`` (:meth:`quantile`).
    With ``params.from_logits``, ``logits`` holds the raw scores and ``p`` their
    sigmoid or softmax. Derived columns are computed once and shared by every loss.
    The batch and its arrays cannot be changed: the arrays it is given are made
    read-only, and so is every derived column.
    """

    y: Made[np.ndarray] = Made()
    p: Made[np.ndarray] = Made()
    w: np.ndarray | None = None
    params: Params = field(default_factory=Params)
    logits: Made[np.ndarray | None] = Made(None)
    extra: Mapping[str, np.ndarray] = field(default_factory=dict)  # columns losses declare
    log_p: Made[np.ndarray | None] = Made(None)  # log p from the logits, made with p (exact)
    levels: tuple[float, ...] = ()  # a quantile forecast's: the level of each column of p
    # a multi-class model's class position of each row (y: their one-hot rows), when its
    # labels are class labels; and a logit model's class columns as read (logits: stacked)
    classes: np.ndarray | None = None
    logit_columns: tuple[np.ndarray, ...] = ()

    def __post_init__(self) -> None:
        made = self.__dict__
        arrays = (made["y"], made["p"], self.w, made["logits"], made["log_p"], self.classes)
        for array in (*arrays, *self.logit_columns, *self.extra.values()):
            if array is not None and not isinstance(array, Deferred):
                array.flags.writeable = False  # read_only's, inline: per block
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    def guest(self) -> Batch:
        """This batch for plugin code: the same rows as sealed views, its own parameters
        and its own cache, so that writing into its arrays fails and replacing what it
        holds (``__dict__``, ``object.__setattr__``) changes the guest only, never this
        batch, which every built-in loss and model shares. The derived columns this batch
        has made already are handed over sealed; the guest makes the others itself."""
        guest = Batch(
            sealed_view(self.y),
            sealed_view(self.p),
            _sealed(self.w),
            replace(self.params),
            logits=_sealed(self.logits),
            extra={name: sealed_view(column) for name, column in self.extra.items()},
            log_p=_sealed(self.log_p),
            levels=self.levels,
            classes=_sealed(self.classes),
            logit_columns=tuple(sealed_view(column) for column in self.logit_columns),
        )
        for name in DERIVED:
            if name in self.__dict__:
                guest.__dict__[name] = sealed_view(self.__dict__[name])
        return guest

    @property
    def multiclass(self) -> bool:
        return self.__dict__["p"].ndim == 2 and not self.levels  # p not made: a Deferred's

    def quantile(self, level: float) -> np.ndarray:
        """A quantile forecast's column at ``level`` (which the loss checked it has)."""
        return self.p[:, self.levels.index(level)]

    @property
    def rows(self) -> int:
        """The number of rows (without making a :class:`Deferred` y)."""
        return len(self.__dict__["y"])

    @property
    def weights(self) -> np.ndarray | Ones:
        """w per row, for the statistic Σw."""
        return Ones(self.rows) if self.w is None else self.w

    @derived
    def w_array(self) -> np.ndarray:
        return read_only(np.ones(self.rows)) if self.w is None else self.w

    def weigh(self, term: np.ndarray) -> np.ndarray:
        """w·term (the term itself when unweighted); 0 where w is 0, even where the term
        overflowed to ±inf (0·inf would be NaN): a row of weight 0 never counts."""
        if self.w is None:
            return term
        weighed = self.w * term
        if not np.isfinite(weighed).all():
            weighed = np.where(self.w == 0, 0.0, weighed)
        return weighed

    @derived
    def err(self) -> np.ndarray:
        """e = y − ŷ"""
        return read_only(self.y - self.p)

    @derived
    def abs_err(self) -> np.ndarray:
        """|e|"""
        return read_only(np.abs(self.err))
