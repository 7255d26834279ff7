"""From a chunk's columns to the :class:`Batch` each model is scored on.

Regression and binary models have one prediction column; a quantile forecast one per
level (``--quantiles``); multi-class models have one column per class and a label given
as class names or positions (turned into one-hot rows) or as one-hot (soft) label
columns. A logit model's scores become probabilities here (each model says whether it
holds logits), and the logits travel along for the losses that are stabler with them.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ..errors import UsageError
from ..losses import EPS, Batch, Params
from ..losses.batch import Deferred
from ..losses.classification import log_sigmoid
from ..losses.softmax import log_softmax
from ..reading import CLASS, ONEHOT, VALUE, ColumnPlan, Model
from ..reading.classes import BOOLEAN_LABELS, ClassMatcher, one_hot, shared_prefix
from ..reading.columns import PERIOD_KEY
from .checks import RowProblems, Rows

if TYPE_CHECKING:  # --period's type: imported where a run has one (start-up, #18)
    from .period_spec import PeriodSpec


class BatchBuilder:
    def __init__(
        self,
        source: str,
        plan: ColumnPlan,
        params: Params,
        renormalize: bool,
        period: PeriodSpec | None = None,
    ) -> None:
        refuse_eps_with_logits(plan, params)
        self.plan, self.params, self.renormalize = plan, params, renormalize
        self.period = period  # --period: a key column derived from the time column
        self.matchers: dict[str, ClassMatcher] = {}
        self.label_order: dict[str, list[str]] = {}
        for model in plan.models:
            if plan.label_kind == CLASS:  # each model's columns name its classes
                self.matchers[model.name] = ClassMatcher(model.columns, source, plan.label)
            if plan.label_kind == ONEHOT:
                self.label_order[model.name] = paired(plan.labels, model.columns)

    def keyed(self, records: Any, source: str, first_row: int) -> tuple[Any, dict[str, bool]]:
        """The chunk with its derived key columns (--period's start of each row's period,
        :mod:`.periods`) and the evidence they leave in its partial."""
        if self.period is None:
            return records, {}
        from .periods import DATES, period_keys

        column = records.column(self.period.column)
        starts, dates = period_keys(column, self.period, source=source, first_row=first_row)
        return records.append_column(PERIOD_KEY, starts), {DATES: dates}

    def missing_times(self, records: Any) -> dict[str, np.ndarray]:
        """With --drop-na, the --period column as NaN where a row has no time (for the row
        checks to drop and count those rows; :func:`.periods.missing_times`); else nothing."""
        if self.period is None or not self.period.drop_na:
            return {}
        from .periods import missing_times

        return missing_times(records, self.period)

    def written(self, records: Any) -> dict[str, bool]:
        """The evidence of how the chunk's label column writes its values: true/false or
        numbers (:data:`~losscli.reading.classes.BOOLEAN_LABELS`, merged by AND); none for
        class labels or one-hot columns."""
        if self.plan.label_kind != VALUE:
            return {}
        kind = records.column(self.plan.label).type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        return {BOOLEAN_LABELS: pa.types.is_boolean(kind)}

    def labels(
        self, batch: Any, values: dict[str, np.ndarray], offset: int
    ) -> dict[str, np.ndarray]:
        """Per model: label values, class positions (−1: no label), or one-hot label rows."""
        if self.plan.label_kind == CLASS:
            column = batch.column(self.plan.label)
            return {name: m.positions(column, offset) for name, m in self.matchers.items()}
        if self.plan.label_kind == ONEHOT:
            return {
                name: np.column_stack([values[c] for c in order])
                for name, order in self.label_order.items()
            }
        return {m.name: values[self.plan.label] for m in self.plan.models}

    def missing(self, labels: dict[str, np.ndarray]) -> np.ndarray | None:
        """Rows without a class label (the same rows for every model)."""
        if self.plan.label_kind != CLASS:
            return None
        return next(iter(labels.values())) < 0

    def batch(
        self,
        model: Model,
        labels: np.ndarray,
        values: dict[str, np.ndarray],
        problems: RowProblems,
        rows: Rows,
    ) -> Batch | None:
        """The model's batch, or None when a check failed (already noted in ``problems``).

        ``rows`` gives the chunk position of each row when some were dropped.
        """
        weight = self.plan.weight
        w = values[weight] if weight else None
        if model.levels:  # a quantile forecast: a column per level
            quantiles = np.column_stack([values[c] for c in model.columns])
            return Batch(labels, quantiles, w, self.params, levels=model.levels)
        if not model.multiclass:
            p = values[model.columns[0]]
            if model.from_logits:
                log_p = log_sigmoid(p)
                return Batch(labels, np.exp(log_p), w, self.params, logits=p, log_p=log_p)
            return Batch(labels, p, w, self.params)
        if model.from_logits:
            return self.logit_batch(model, labels, w, values, problems, rows)
        scores = np.column_stack([values[c] for c in model.columns])
        if model.name in self.matchers:
            y = one_hot(labels, len(model.columns))
        else:
            y = labels
            problems.check_label_rows(y, ",".join(self.plan.labels), rows)
        probs = problems.check_probabilities(scores, model.name, self.renormalize, rows)
        return None if probs is None or problems.failed else Batch(y, probs, w, self.params)

    def logit_batch(
        self,
        model: Model,
        labels: np.ndarray,
        w: np.ndarray | None,
        values: dict[str, np.ndarray],
        problems: RowProblems,
        rows: Rows,
    ) -> Batch:
        """A multi-class logit model's batch: its class columns as read, and the matrices
        (one-hot labels, logits, their log-softmax and softmax) made on first read, which
        cross-entropy from class labels never asks for."""
        columns = tuple(values[c] for c in model.columns)
        n = len(labels)
        # each matrix made once, the next from it; no reference to the batch (a cycle would
        # keep the chunk's columns alive until the garbage collector's next pass)
        stacked = cache(lambda: np.column_stack(columns))
        log_softmaxed = cache(lambda: log_softmax(stacked()))
        p = Deferred(lambda: np.exp(log_softmaxed()), n)
        if model.name in self.matchers:
            classes: np.ndarray | None = labels
            y: np.ndarray | Deferred = Deferred(lambda: one_hot(labels, len(columns)), n)
        else:
            classes, y = None, labels
            problems.check_label_rows(labels, ",".join(self.plan.labels), rows)
        logits, log_p = Deferred(stacked, n), Deferred(log_softmaxed, n)
        return Batch(
            y, p, w, self.params, logits=logits, log_p=log_p, classes=classes, logit_columns=columns
        )


def refuse_eps_with_logits(plan: ColumnPlan, params: Params) -> None:
    """``--eps`` clips probabilities; cross-entropy from logits is exact and never clipped,
    so an ``--eps`` beside a logit model would silently do nothing there: a usage error."""
    logit_models = [m.name for m in plan.models if m.from_logits]
    if params.eps != EPS and logit_models:
        raise UsageError(
            f"--eps clips probabilities, but {', '.join(map(repr, logit_models))} "
            f"{'is a logit model' if len(logit_models) == 1 else 'are logit models'}, "
            "whose cross-entropy is computed from the logits without clipping; "
            "leave out --eps, or evaluate the logit models in a run of their own"
        )


def paired(labels: tuple[str, ...], classes: tuple[str, ...]) -> list[str]:
    """One-hot label columns in the order of the class columns: matched by the part after
    each set's shared prefix (y_cat with p_cat) where both name the same classes, else
    in the order given."""

    def suffixes(columns: tuple[str, ...]) -> dict[str, str]:
        prefix = shared_prefix(columns)
        return {c[len(prefix) :]: c for c in columns}

    by_label, by_class = suffixes(labels), suffixes(classes)
    if len(by_label) == len(labels) and set(by_label) == set(by_class):
        return [by_label[suffix] for suffix in by_class]
    return list(labels)
