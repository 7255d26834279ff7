"""What a run is judged by (the API's ``checks``, ``max_regression``, ``baseline`` and
``require_baseline``), parsed before reading and judged on the finished result. The
gating modules load only for a run with something to judge."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..errors import UsageError
from ..records import datarecord
from ..result import EvaluationResult


@datarecord(frozen=True)
class Gates:
    """What a run is judged by: checks, a baseline and the regression it tolerates."""

    checks: tuple[Any, ...] = ()
    tolerances: tuple[Any, ...] = ()
    baseline: Any = None
    require_baseline: bool = False

    @classmethod
    def of(cls, checks: Any, tolerances: Any, baseline: Any, *, require_baseline: bool) -> Gates:
        """The gates, their texts parsed as the command line parses them."""
        checks, tolerances = _texts(checks), _texts(tolerances)
        if not (checks or tolerances or baseline is not None or require_baseline):
            return cls()  # the gating machinery loads only for a run with something to judge
        from . import parse

        return cls(
            tuple(parse.parse_check(c) if isinstance(c, str) else c for c in checks),
            tuple(parse.parse_tolerance(t) if isinstance(t, str) else t for t in tolerances),
            baseline,
            require_baseline,
        )

    @property
    def losses(self) -> list[str]:
        """The losses the gates judge: always computed and shown."""
        return [c.loss for c in self.checks] + [t.loss for t in self.tolerances]

    @property
    def active(self) -> bool:
        return bool(self.checks or self.tolerances or self.baseline is not None) or bool(
            self.require_baseline
        )

    def renamed(self, names: Mapping[str, str]) -> Gates:
        """The gates judging each loss by the name ``names`` gives it (--threshold's). A
        gate that names the default threshold itself (``precision:threshold=0.5``) would
        be judged at --threshold's: refused, as ambiguous."""
        for gate in (*self.checks, *self.tolerances):
            if names.get(gate.loss, gate.loss) != gate.loss and "threshold=" in gate.text.lower():
                raise UsageError(
                    f"{gate.text!r} names the default threshold of {gate.loss}, while --threshold"
                    f" makes that column {names[gate.loss]}: leave --threshold out, or name"
                    " the threshold in -m and the check alike"
                )
        checks = tuple(replace(c, loss=names.get(c.loss, c.loss)) for c in self.checks)
        tolerances = tuple(replace(t, loss=names.get(t.loss, t.loss)) for t in self.tolerances)
        return replace(self, checks=checks, tolerances=tolerances)

    def check_usage(self, compare: bool, *, bootstrap: bool = False) -> None:
        """Before reading: a ``delta:`` check needs a comparison."""
        if self.active:
            from .significance import check_delta_usage

            check_delta_usage(self.checks, compare, bootstrap=bootstrap)

    def judge(self, result: EvaluationResult) -> EvaluationResult:
        """The result with every gate judged (``result.failures``: those that failed)."""
        if not self.active:
            return result
        from .gates import gate

        return gate(result, self.checks, self.baseline, self.tolerances, self.require_baseline)


def as_baseline(baseline: Any, storage_options: Mapping[str, Any]) -> Any:
    """A baseline from a JSON file's path (or URL) or an earlier result (a Baseline as it is)."""
    if isinstance(baseline, (str, os.PathLike)):
        from .baseline import load_baseline

        return load_baseline(os.fspath(baseline), storage_options)
    if isinstance(baseline, EvaluationResult):
        from .baseline import baseline_of

        return baseline_of("the baseline result", baseline.to_dict())
    return baseline


def _texts(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)
