"""The gates as the command line writes them: ``--check EXPR`` and ``--max-regression LOSS=TOL``.

Read when the command line is parsed, so a bad one is a usage error (exit 2) before any
file is read: an unreadable expression, an unknown loss, or a limit that is no finite
number (``1e999`` reads as infinity, which no value can cross).
"""

from __future__ import annotations

import math
import re

from ..errors import UsageError
from ..losses import get_loss
from ..losses.bias import refuse_undirected
from ..records import datarecord

# inf and nan are read too, to be refused as what they are (``_finite``)
NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?i:inf(?:inity)?|nan)"
CHECK = re.compile(
    rf"^(?P<spec>[^<>]+?)\s*(?P<op><=|>=|<|>)\s*(?P<limit>{NUMBER})\s*(?P<percent>%?)\s*$"
)
TOLERANCE = re.compile(rf"^(?P<spec>.+?)\s*=\s*(?P<amount>{NUMBER})\s*(?P<percent>%?)\s*$")
# check prefixes: overall rows only; the paired difference; class rows only; average rows
# only; the latest period's rows only; the earliest's (see ``gates``)
SCOPES = ("overall", "delta", "class", "average", "last", "first")
CHECK_EXAMPLES = (
    "e.g. 'mse<=0.25'; 'overall:mape<30' for overall rows only; 'delta:mse<=0' or "
    "'delta:mae<=1%' for the difference from the reference model, with --compare; "
    "'last:mape<20' for the latest period's rows (--period); 'class:recall>0.8' for class "
    "rows, 'average:f1>0.7' for their averages (--per-class)"
)


@datarecord(frozen=True)
class Check:
    text: str
    loss: str
    op: str
    limit: float
    overall_only: bool
    delta: bool = False  # on Δ against the reference model (--compare)
    relative: bool = False  # the limit is a percentage of the reference model's value (delta:)
    part: str = ""  # "class": class rows only; "average": average rows only; "": neither
    when: str = ""  # "last" or "first": the latest or earliest period's rows only


@datarecord(frozen=True)
class Tolerance:
    text: str
    loss: str
    amount: float
    relative: bool


def parse_check(text: str) -> Check:
    """``[overall:][delta:][class:|average:][last:|first:]LOSS OP NUMBER[%]`` (prefixes in
    any order), LOSS in the loss grammar: ``mse<=0.25``,
    ``overall:r2>0.8``, ``pinball:q=0.9<0.3``, ``delta:mse<=0`` (with --compare), and
    ``delta:mae<=1%``: Δ at most 1% of the reference model's value."""
    match = CHECK.match(text.strip())
    if not match:
        raise UsageError(
            f"cannot read the check {text!r}; write [PREFIX:]LOSS OP NUMBER with "
            f"OP one of <, <=, >, >= ({CHECK_EXAMPLES})"
        )
    spec, scopes = _scopes(match["spec"])
    relative = match["percent"] == "%"
    if relative and "delta" not in scopes:
        raise UsageError(
            f"cannot read the check {text!r}: a percentage limit is relative to the "
            "reference model's value, so only a 'delta:' check takes one (e.g. "
            "'delta:mae<=1%' with --compare); write the limit as a number"
        )
    part, when = (
        _one_of(text, scopes, ("class", "average")),
        _one_of(text, scopes, ("last", "first")),
    )
    if "delta" in scopes and (part or when):
        raise UsageError(
            f"cannot read the check {text!r}: 'delta:' judges the comparisons, which have no "
            f"period or class part; check {part or when}: rows' own values without 'delta:'"
        )
    return Check(
        text.strip(),
        _loss_in(text, spec, "check"),
        match["op"],
        _finite(text, match["limit"], "check", "limit"),
        overall_only="overall" in scopes,
        delta="delta" in scopes,
        relative=relative,
        part=part,
        when=when,
    )


def _one_of(text: str, scopes: set[str], choices: tuple[str, str]) -> str:
    """Which of the two exclusive prefixes ``choices`` the check has ("" for neither)."""
    given = [c for c in choices if c in scopes]
    if len(given) > 1:
        raise UsageError(
            f"cannot read the check {text!r}: '{choices[0]}:' and '{choices[1]}:' exclude "
            "each other; write two checks"
        )
    return given[0] if given else ""


def _scopes(spec: str) -> tuple[str, set[str]]:
    """The loss spec without its leading ``overall:`` and ``delta:``, and those prefixes."""
    scopes: set[str] = set()
    head, _, rest = spec.strip().partition(":")
    while rest and head.strip().lower() in SCOPES:
        scopes.add(head.strip().lower())
        head, _, rest = rest.strip().partition(":")
    return (f"{head}:{rest}" if rest else head).strip(), scopes


def _loss_in(text: str, spec: str, what: str) -> str:
    try:
        return get_loss(spec).name
    except UsageError as exc:
        raise UsageError(f"cannot read the {what} {text.strip()!r}: {exc}") from None


def _finite(text: str, number: str, what: str, part: str) -> float:
    """``number`` as a float, which must be finite: ``1e999`` overflows to infinity."""
    value = float(number)
    if math.isfinite(value):
        return value
    if math.isnan(value):
        why = "is not a number"
    elif number.lstrip("+-")[:1].isalpha():
        why = "is infinite"
    else:  # 1e999
        why = "is beyond the largest finite number (about 1.8e308)"
    raise UsageError(
        f"cannot read the {what} {text.strip()!r}: its {part} {number} {why}; give a finite one"
    )


def parse_tolerance(text: str) -> Tolerance:
    """``LOSS=TOL``: absolute (``mse=0.01``) or relative to the baseline (``mape=5%``);
    LOSS in the loss grammar (``pinball:q=0.9=5%``: the last ``=`` is the tolerance's)."""
    match = TOLERANCE.match(text.strip())
    if not match or float(match["amount"]) < 0:  # -inf too
        raise UsageError(
            f"cannot read the tolerance {text!r}; write LOSS=TOL with TOL an "
            "absolute amount (mse=0.01) or a percentage of the baseline (mape=5%)"
        )
    amount = _finite(text, match["amount"], "tolerance", "amount")
    name = _loss_in(text, match["spec"], "tolerance")
    refuse_undirected(name, f"--max-regression {text.strip()!r}")  # bias: no side is worse
    return Tolerance(text.strip(), name, amount, match["percent"] == "%")
