"""ROC-AUC under --compare: DeLong's paired test from per-key tables of score pairs, equal
to the O(n²) paired oracle (weighted, per group, chunked), holding its 5% type I error for
correlated models; beyond --max-memory the unpaired test, saying so; delta:roc_auc checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import write_table
from scipy.stats import norm

from losscli.api import evaluate
from losscli.gating.gates import gate
from losscli.gating.parse import parse_check
from losscli.reading import source
from losscli.result import Comparison

Z = norm.ppf(0.975)


def placements(y: np.ndarray, s: np.ndarray, w: np.ndarray) -> tuple[Any, Any, float]:
    """Every positive's V10 and every negative's V01 over all pairs, and the AUC."""
    pos, neg = y >= 0.5, y < 0.5
    psi = (s[pos][:, None] > s[neg][None, :]) + 0.5 * (s[pos][:, None] == s[neg][None, :])
    v10, v01 = psi @ w[neg] / w[neg].sum(), w[pos] @ psi / w[pos].sum()
    return v10, v01, float(w[pos] @ v10 / w[pos].sum())


def paired_oracle(
    y: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray
) -> tuple[float, float]:
    """(Δ, Var Δ) of DeLong's paired test by its definition, each side's placement
    differences a weighted mean with n_eff = (Σw)²/Σw² (unweighted: S10/m + S01/n of the
    difference, i.e. var_a + var_b − 2·cov)."""
    v10a, v01a, auc_a = placements(y, a, w)
    v10b, v01b, auc_b = placements(y, b, w)
    delta = auc_a - auc_b

    def side(weights: np.ndarray, d: np.ndarray) -> float:
        total = weights.sum()
        n_eff = total**2 / (weights**2).sum()
        return float(n_eff / (n_eff - 1) * (weights**2 @ (d - delta) ** 2) / total**2)

    return delta, side(w[y >= 0.5], v10a - v10b) + side(w[y < 0.5], v01a - v01b)


def unpaired_oracle(y: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    zero = np.zeros_like(a)
    return paired_oracle(y, a, zero, w)[1] + paired_oracle(y, b, zero, w)[1]


def models(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Two correlated models of one label: a shared signal and each its own noise, scores
    rounded so that ties occur within and across models."""
    rng = np.random.default_rng(seed)
    y = (rng.uniform(size=n) < 0.4).astype(float)
    shared = rng.normal(size=n) + y
    a = 1 / (1 + np.exp(-(shared + rng.normal(0, 0.6, n))))
    b = 1 / (1 + np.exp(-(shared + 0.3 * y + rng.normal(0, 0.6, n))))
    return pd.DataFrame(
        {
            "y": y,
            "a": np.round(a, 2),
            "b": np.round(b, 2),
            "w": rng.uniform(0.3, 2.5, n),
            "g": rng.choice(["u", "v"], n),
        }
    )


def auc_comparisons(result: Any) -> list[Comparison]:
    return [c for c in result.comparisons if c.loss == "roc_auc"]


def check(c: Comparison, delta: float, var: float, method: str) -> None:
    se = np.sqrt(var)
    assert c.method == method
    assert c.delta == pytest.approx(delta, rel=1e-12, abs=1e-15)
    assert c.se == pytest.approx(se, rel=1e-12)
    assert (c.low, c.high) == pytest.approx((delta - Z * se, delta + Z * se), rel=1e-12)
    assert c.p_value == pytest.approx(2 * norm.sf(abs(delta) / se), rel=1e-9)


@pytest.mark.parametrize("weight", [None, "w"])
def test_paired_delong_equals_the_paired_oracle_per_group_and_overall(weight: str | None) -> None:
    frame = models()
    result = evaluate(
        frame, label="y", pred=["b", "a"], weight=weight, group_by="g", losses="auc",
        compare=True, ci=95,
    )  # fmt: skip
    found = auc_comparisons(result)
    assert [c.group for c in found] == [{"g": "u"}, {"g": "v"}, None]
    w = np.ones(len(frame)) if weight is None else frame.w.to_numpy()
    for c in found:
        mine = (
            np.ones(len(frame), bool) if c.group is None else (frame.g == c.group["g"]).to_numpy()
        )
        y, a, b = (frame[k].to_numpy()[mine] for k in ("y", "a", "b"))
        delta, var = paired_oracle(y, a, b, w[mine])
        check(c, delta, var, "delong paired")
        assert var < unpaired_oracle(y, a, b, w[mine])  # correlated models: pairing helps


def test_chunks_and_threads_give_the_identical_paired_test(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = models(3000, seed=3)
    options: dict[str, Any] = {
        "label": "y", "pred": ["b", "a"], "weight": "w", "group_by": "g", "losses": "auc"
    }  # fmt: skip

    def tests(threads: int) -> list[tuple[Any, ...]]:
        found = auc_comparisons(evaluate(frame, compare=True, threads=threads, **options))
        return [(c.delta, c.se, c.p_value, c.method) for c in found]

    whole = tests(1)
    for threads, chunk in ((3, 400), (1, 61)):
        monkeypatch.setattr(source, "TABLE_BATCH_ROWS", chunk)
        for got, want in zip(tests(threads), whole, strict=True):
            assert got[:3] == pytest.approx(want[:3], rel=1e-12) and got[3] == want[3]


def test_type_one_error_of_correlated_models_of_equal_auc_is_near_five_percent() -> None:
    """1,000 seeded data sets of 200 rows (groups of one run), two models sharing most of
    their signal with noises of one distribution: equal true AUCs. The paired test rejects
    at 5% about 5% of the time (3–7%); the unpaired one, blind to the correlation, far less."""
    rng = np.random.default_rng(11)
    sets, rows = 1000, 200
    y = (rng.uniform(size=(sets, rows)) < 0.5).astype(float)
    shared = rng.normal(size=(sets, rows)) + y
    a = shared + rng.normal(0, 0.5, (sets, rows))
    b = shared + rng.normal(0, 0.5, (sets, rows))
    frame = pd.DataFrame(
        {"y": y.ravel(), "a": 1 / (1 + np.exp(-a.ravel())), "b": 1 / (1 + np.exp(-b.ravel())),
         "g": np.repeat(np.arange(sets), rows)}
    )  # fmt: skip
    result = evaluate(frame, label="y", pred=["a", "b"], group_by="g", losses="auc", compare=True)
    p = np.array([c.p_value for c in auc_comparisons(result) if c.group is not None])
    assert len(p) == sets
    assert 0.03 <= np.mean(p < 0.05) <= 0.07, np.mean(p < 0.05)


def test_over_the_memory_budget_the_test_is_unpaired_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """1 MiB holds the rank tables of 6,000 distinct scores but not the pair tables beside
    them: the comparison falls back to the two models' independent variances."""
    rng = np.random.default_rng(5)
    frame = models(6000, seed=5)
    for name in ("a", "b"):  # every score distinct
        frame[name] = np.clip(frame[name] + rng.uniform(-1e-5, 1e-5, len(frame)), 0, 1)
    options: dict[str, Any] = {
        "label": "y", "pred": ["b", "a"], "weight": "w", "losses": "auc", "compare": True
    }  # fmt: skip
    monkeypatch.setattr(source, "TABLE_BATCH_ROWS", 500)
    (paired,) = auc_comparisons(evaluate(frame, **options))
    (unpaired,) = auc_comparisons(evaluate(frame, max_memory="1M", threads=1, **options))
    assert paired.method == "delong paired"
    y, a, b, w = (frame[k].to_numpy() for k in ("y", "a", "b", "w"))
    check(unpaired, paired_oracle(y, a, b, w)[0], unpaired_oracle(y, a, b, w), "delong unpaired")


def test_compare_gives_roc_auc_a_comparison_in_json_and_the_table(run: Any, tmp_path: Path) -> None:
    path = write_table(models(), tmp_path / "models.csv")
    args = ["evaluate", str(path), "-l", "y", "-p", "b", "-p", "a", "-m", "roc_auc,mse"]
    document = json.loads(run(*args, "--compare", "-f", "json").stdout)
    (auc,) = [c for c in document["comparisons"] if c["loss"] == "roc_auc"]
    assert auc["method"] == "delong paired"
    assert "method" not in next(c for c in document["comparisons"] if c["loss"] == "mse")
    table = run(*args, "--compare", "-f", "table").stdout
    assert "a vs b, roc_auc:" in table and "DeLong's paired test)" in table


def test_delta_roc_auc_checks_are_allowed_and_say_the_test_was_paired() -> None:
    frame = models(2000, seed=8)
    result = evaluate(frame, label="y", pred=["b", "a"], losses="auc", compare=True)
    (c,) = auc_comparisons(result)
    assert c.delta is not None and c.high is not None
    outcomes = gate(result, [parse_check(f"delta:roc_auc<={c.high + 0.01}")]).checks
    assert [o.passed for o in outcomes] == [True]
    assert ", delong paired)" in outcomes[0].reason
    failing = gate(result, [parse_check("delta:roc_auc>=0.5")]).checks
    assert [o.passed for o in failing] == [False]


def test_multiclass_roc_auc_has_no_comparison_and_the_notice_says_why() -> None:
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(3), size=(300, 2))
    frame = pd.DataFrame({"y": rng.choice(["x", "y", "z"], 300)})
    for m, name in enumerate(("m", "n")):
        for k, label in enumerate("xyz"):
            frame[f"{name}_{label}"] = p[:, m, k]
    result = evaluate(
        frame, label="y", probs=["m_x,m_y,m_z", "n_x,n_y,n_z"], losses="auc", compare=True
    )
    assert not auc_comparisons(result)
    assert "--compare: roc_auc has no paired comparison (DeLong's test is of a binary " in (
        " ".join(result.notices)
    )
