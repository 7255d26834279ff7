"""--drift: each period against its group's reference window, checked against a hand
computation (the reference's rows evaluated on their own, Holm's adjustment and the onset
by hand), chunk- and thread-independent, on the Dask engine, with its usage errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import write_table
from scipy.stats import norm

from losscli import evaluate
from losscli.errors import UsageError
from losscli.reading import csv_source, parquet_source, source
from losscli.result.keys import NO_PERIOD

MONDAY = pd.Timestamp("2026-01-05")  # 2026-W02


def weekly(
    groups: int = 3,
    weeks: int = 10,
    rows: int = 40,
    *,
    shift: float = 0.0,
    shifted: tuple[int, ...] = (0,),
    start: int = 6,
    seed: int = 0,
) -> pd.DataFrame:
    """``rows`` rows per group and ISO week (a ``date`` as text), y ~ N(10, 1) and a
    forecast p = y + N(0, 1) + ``shift`` in the groups ``shifted`` from week ``start``."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(groups), weeks * rows)
    week = np.tile(np.repeat(np.arange(weeks), rows), groups)
    day = MONDAY + pd.to_timedelta(week * 7 + np.tile(np.arange(rows) % 7, groups * weeks), "D")
    y = rng.normal(10, 1, len(g))
    moved = np.isin(g, shifted) & (week >= start)
    return pd.DataFrame(
        {
            "g": np.array([f"g{k:03d}" for k in range(groups)])[g],
            "date": day.strftime("%Y-%m-%d"),
            "y": y,
            "p": y + rng.normal(0, 1, len(g)) + shift * moved,
            "w": rng.uniform(0.5, 2, len(g)),
        }
    )


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's adjusted p-values, by the book."""
    order = np.argsort(p)
    m = len(p)
    out = np.empty(m)
    running = 0.0
    for i, k in enumerate(order):
        running = max(running, (m - i) * p[k])
        out[k] = min(1.0, running)
    return out


def alone(df: pd.DataFrame, loss: str) -> tuple[float, float]:
    """The loss and its standard error of ``df``'s rows evaluated on their own."""
    r = evaluate(df, label="y", pred="p", weight="w", losses=loss, ci=0.95)
    column = r.frame.losses[loss]
    assert column.se is not None
    return float(column.values[-1]), float(column.se[-1])


def by_hand(df: pd.DataFrame, loss: str, n_ref: int, k: int) -> dict[str, Any]:
    """Per week after the first ``n_ref`` of ``df``: Δ, its interval, p, Holm's p and
    whether it is worse; and the onset (the first of ``k`` worse weeks in a row)."""
    weeks = sorted(df.date.map(lambda d: pd.Timestamp(d).to_period("W-SUN").start_time).unique())
    week_of = df.date.map(lambda d: pd.Timestamp(d).to_period("W-SUN").start_time)
    ref_value, ref_se = alone(df[week_of.isin(weeks[:n_ref])], loss)
    out: dict[str, Any] = {"weeks": weeks[n_ref:], "delta": [], "se": []}
    for week in weeks[n_ref:]:
        value, se = alone(df[week_of == week], loss)
        out["delta"].append(value - ref_value)
        out["se"].append(float(np.hypot(se, ref_se)))
    out["p"] = norm.sf(np.array(out["delta"]) / np.array(out["se"]))
    out["adjusted"] = holm(out["p"])
    out["worse"] = out["adjusted"] < 0.025
    m = len(out["delta"])
    runs = [all(out["worse"][i : i + k]) and i + k <= m for i in range(m)]
    out["onset"] = next((out["weeks"][i] for i, hit in enumerate(runs) if hit), None)
    return out


def drift_rows(result: Any, group: str | None, loss: str) -> dict[str, np.ndarray]:
    """The drift columns of the period rows of ``group`` (None: over all groups)."""
    f = result.frame
    rows = f.period.present & (f.overall if group is None else (f.keys["g"].objects() == group))
    found = f.drift.losses[loss]
    return {
        "start": f.period.start[rows],
        **{name: getattr(found, name)[rows] for name in ("delta", "low", "high", "p")},
        "adjusted": found.p_adjusted[rows],
        "worse": found.worse[rows],
        "onset": found.onset[rows],
    }


def test_each_period_against_the_reference_equals_a_hand_computation(tmp_path: Path) -> None:
    """Δ = the week's loss − the loss of the first 3 weeks' rows pooled, its interval
    Δ ± z·√(se² + se_ref²), the one-sided p-value, Holm within the group, the onset: per
    group and over all groups, for mae and mse, weighted."""
    df = weekly(groups=3, weeks=9, rows=35, shift=2.0, start=5, seed=3)
    path = write_table(df, tmp_path / "w.csv")
    result = evaluate(
        str(path), label="y", pred="p", weight="w", losses="mae,mse", group_by="g",
        period="date:W", drift=True, drift_reference_periods=3,
    )  # fmt: skip
    z = norm.ppf(0.975)
    onsets = 0
    for group in ("g000", "g001", None):
        part = df if group is None else df[df.g == group]
        for loss in ("mae", "mse"):
            want, got = by_hand(part, loss, 3, 2), drift_rows(result, group, loss)
            judged = np.isfinite(got["p"])
            assert not judged[:3].any() and judged[3:].all()
            np.testing.assert_allclose(got["delta"][3:], want["delta"], rtol=1e-12)
            np.testing.assert_allclose(got["low"][3:], want["delta"] - z * np.array(want["se"]))
            np.testing.assert_allclose(got["high"][3:], want["delta"] + z * np.array(want["se"]))
            np.testing.assert_allclose(got["p"][3:], want["p"], rtol=1e-9, atol=1e-300)
            np.testing.assert_allclose(got["adjusted"][3:], want["adjusted"], rtol=1e-9)
            assert got["worse"][3:].tolist() == want["worse"].tolist()
            at = np.flatnonzero(got["onset"])
            if want["onset"] is None:
                assert not len(at)
                continue
            onsets += 1
            assert got["start"][at[0]] == pd.Timestamp(want["onset"], tz="UTC").value
    assert onsets >= 3  # g000's shift is found for both losses, and over all groups


def test_the_verdicts_name_the_onset_and_the_reference_window(tmp_path: Path) -> None:
    df = weekly(groups=2, weeks=10, rows=40, shift=1.5, start=6, seed=4)
    result = evaluate(
        df, label="y", pred="p", losses="mae,bias", group_by="g", period="date:W", drift=True
    )
    verdicts = {(v.group and v.group["g"], v.loss): v for v in result.drift}
    assert set(verdicts) == {("g000", "mae"), ("g001", "mae"), (None, "mae")}  # bias: none
    drifted = verdicts[("g000", "mae")]
    assert drifted.onset == "2026-02-16" and drifted.onset_label == "2026-W08"
    assert (drifted.reference_start, drifted.reference_end) == ("2026-01-05", "2026-02-02")
    assert drifted.reference_label == "2026-W02..2026-W05"
    assert drifted.delta is not None and drifted.low is not None and drifted.low > 0
    assert verdicts[("g001", "mae")].onset is None and verdicts[("g001", "mae")].delta is None
    assert any("bias has no better direction" in n for n in result.notices)


def test_a_reference_window_of_dates_and_a_short_group_get_a_note(tmp_path: Path) -> None:
    """``drift_reference`` takes the periods starting in START..END (a date END takes in
    its whole day); a group without K periods after it has a note, not a verdict."""
    df = weekly(groups=2, weeks=8, rows=30, shift=2.0, start=4, seed=5)
    df = df[~((df.g == "g001") & (df.date >= "2026-02-09"))]  # g001: 5 weeks only
    result = evaluate(
        df, label="y", pred="p", losses="mae", group_by="g", period="date:W", drift=True,
        drift_reference="2026-01-05..2026-01-26", drift_min_periods=2,
    )  # fmt: skip
    verdicts = {(v.group and v.group["g"]): v for v in result.drift}
    assert set(verdicts) == {"g000", None}
    assert verdicts["g000"].reference_label == "2026-W02..2026-W05"  # 01-26 is W05's Monday
    assert verdicts["g000"].onset == "2026-02-02"
    assert any("1 group not judged" in n and "after it" in n for n in result.notices)


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "UTC", "America/New_York"])
def test_a_reference_window_takes_the_same_weeks_in_every_zone(tz: str) -> None:
    """The window's dates are dates in --tz, as the periods of a date column are cut: east
    of UTC it had taken the weeks one later."""
    df = weekly(groups=1, weeks=8, rows=30, shift=2.0, start=4, seed=5)
    result = evaluate(
        df, label="y", pred="p", losses="mae", period="date:W", drift=True, tz=tz,
        drift_reference="2026-01-05..2026-01-26",
    )  # fmt: skip
    assert {v.reference_label for v in result.drift} == {"2026-W02..2026-W05"}


@pytest.mark.parametrize(("chunk", "threads"), [(37, 1), (53, 3)])
def test_chunks_and_threads_give_the_same_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, threads: int
) -> None:
    df = weekly(groups=4, weeks=9, rows=25, shift=1.0, shifted=(0, 2), start=5, seed=6)
    kwargs: dict[str, Any] = {
        "label": "y", "pred": "p", "weight": "w", "losses": "mae,mse,r2",
        "group_by": "g", "period": "date:W", "drift": True, "ci": 0.9,
    }  # fmt: skip
    whole = evaluate(str(write_table(df, tmp_path / "t.parquet")), threads=1, **kwargs)
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", chunk)
    monkeypatch.setattr(source, "TABLE_BATCH_ROWS", chunk)
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 200 + chunk * 10)
    for path in (tmp_path / "t.parquet", write_table(df, tmp_path / "t.csv")):
        chunked = evaluate(str(path), threads=threads, **kwargs)
        a, b = whole.frame.drift, chunked.frame.drift
        assert a is not None and b is not None
        for loss in ("mae", "mse", "r2"):
            for field in ("delta", "low", "high", "p", "p_adjusted"):
                np.testing.assert_allclose(
                    getattr(b.losses[loss], field), getattr(a.losses[loss], field), rtol=1e-12
                )
            assert (b.losses[loss].onset == a.losses[loss].onset).all()
        for mine, theirs in zip(chunked.drift, whole.drift, strict=True):
            assert (mine.group, mine.loss, mine.onset) == (theirs.group, theirs.loss, theirs.onset)
            assert (mine.delta is None) == (theirs.delta is None)
            assert mine.delta == pytest.approx(theirs.delta or 0.0, rel=1e-12) or mine.delta is None


def test_the_bootstrap_gives_the_differences_from_the_same_replicates(tmp_path: Path) -> None:
    """Under --ci-method bootstrap, Δ's standard error is the SD of Δ over the replicates
    (the reference's replicate sums pooled from its periods'), not √(se² + se_ref²): for
    rows that share a replicate's weights it is smaller, and it does not depend on chunks."""
    df = weekly(groups=2, weeks=8, rows=30, shift=1.5, start=5, seed=7)
    kwargs: dict[str, Any] = {
        "label": "y", "pred": "p", "losses": "mae", "group_by": "g", "period": "date:W",
        "drift": True, "ci": 0.95, "ci_method": "bootstrap", "resamples": 200,
        "block_rows": 5, "seed": 1,
    }  # fmt: skip
    result = evaluate(df, threads=1, **kwargs)
    drift = result.frame.drift
    assert drift is not None and drift.settings.method == "bootstrap"
    found = drift.losses["mae"]
    judged = np.isfinite(found.p)
    assert judged.sum() == 3 * 4  # two groups and all groups, 4 weeks after the reference
    half = (found.high - found.low)[judged] / 2
    assert (half > 0).all()
    assert any(v.onset is not None for v in result.drift)
    again = evaluate(str(write_table(df, tmp_path / "b.csv")), threads=2, **kwargs)
    assert again.frame.drift is not None
    np.testing.assert_allclose(again.frame.drift.losses["mae"].high, found.high, rtol=1e-12)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"drift": True}, "--drift compares periods with a reference window: add --period"),
        ({"drift_min_periods": 3}, "--drift-min-periods sets how --drift judges periods"),
        (
            {"drift": True, "period": "date:W", "drift_reference": "2026-01-05"},
            "give START..END",
        ),
        (
            {"drift": True, "period": "date:W", "drift_reference": "2026-02-05..2026-01-05"},
            "END lies before START",
        ),
        (
            {"drift": True, "period": "date:W", "drift_reference": "05/01/2026..2026-02-01"},
            "is not an ISO 8601 date or time",
        ),
        (
            {"drift": True, "period": "date:W", "drift_reference_periods": 0},
            "--drift-reference-periods must be 1 or more",
        ),
        (
            {"drift": True, "period": "date:W", "drift_min_periods": 0},
            "--drift-min-periods must be 1 or more",
        ),
        (
            {"drift": True, "period": "date:W", "drift_reference_periods": 3}
            | {"drift_reference": "2026-01-05..2026-01-20"},
            "give one",
        ),
    ],
)
def test_drift_usage_errors(options: dict[str, Any], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(")):
        evaluate(weekly(groups=1, weeks=6, rows=5), label="y", pred="p", **options)


def test_rows_that_are_not_judged_hold_nothing(tmp_path: Path) -> None:
    """The reference's periods, the rows over all periods and the grand row: no Δ."""
    result = evaluate(
        weekly(groups=2, weeks=7, rows=10), label="y", pred="p", losses="mae",
        group_by="g", period="date:W", drift=True,
    )  # fmt: skip
    f = result.frame
    assert f.drift is not None
    over_all_periods = f.period.start == NO_PERIOD
    assert np.isnan(f.drift.losses["mae"].delta[over_all_periods]).all()
    assert not f.drift.losses["mae"].worse[over_all_periods].any()


def test_groups_whose_periods_have_no_interval_get_a_note() -> None:
    """Each group's week is one --block-rows unit, so no group's difference has a
    bootstrap interval: a note counts them; the weeks over all groups are judged."""
    result = evaluate(
        weekly(groups=2, weeks=8, rows=10), label="y", pred="p", group_by="g", losses="mae",
        period="date:W", drift=True, ci=0.95, ci_method="bootstrap", resamples=20,
        block_rows=10,
    )  # fmt: skip
    assert [v.group for v in result.drift] == [None]
    note = "mae of 2 groups not judged: no period has a difference"
    assert any(note in n for n in result.notices)


def test_groups_with_fewer_than_n_plus_k_periods_get_a_note_not_a_verdict() -> None:
    result = evaluate(
        weekly(groups=2, weeks=5, rows=10), label="y", pred="p", group_by="g", losses="mae",
        period="date:W", drift=True,
    )  # fmt: skip
    assert result.drift == []
    note = "2 groups and the rows over all groups not judged: fewer than 6 periods"
    assert any(note in n for n in result.notices)


@pytest.mark.parametrize("method", ["holm", "bh"])
def test_adjusting_within_families_at_once_equals_adjusting_each_family(method: str) -> None:
    """--adjust per family (one file, model, group and loss), vectorised over families:
    the same p-values as adjusting each family alone; NaN (not judged) stays NaN."""
    from losscli.engine.drift_stats import adjusted_within
    from losscli.result.adjust import adjusted

    rng = np.random.default_rng(8)
    family = rng.integers(0, 40, 600)
    p = rng.uniform(0, 1, 600) ** 3
    p[rng.uniform(size=600) < 0.1] = np.nan
    got = adjusted_within(p, family, method)
    for f in np.unique(family):
        mine = family == f
        np.testing.assert_allclose(got[mine], adjusted(p[mine], method), rtol=1e-15)


def test_rank_losses_drift_from_their_replicate_rank_tables_under_the_bootstrap(
    tmp_path: Path,
) -> None:
    """ROC-AUC and average precision under --ci-method bootstrap: Δ against the reference
    window is judged from both windows' replicate rank tables (it crashed before), Δ equals
    the period's value less the reference rows' own value, and chunks do not change it."""
    rng = np.random.default_rng(3)
    weeks, rows = 8, 120
    week = np.repeat(np.arange(weeks), rows)
    label = rng.integers(0, 2, len(week))
    noise = np.where(week >= 5, 2.5, 0.8)  # the scores lose their edge from week 5
    score = 1 / (1 + np.exp(-(2 * label - 1 + rng.normal(0, 1, len(week)) * noise)))
    day = MONDAY + pd.to_timedelta(week * 7 + np.arange(len(week)) % 7, "D")
    df = pd.DataFrame({"date": day.strftime("%Y-%m-%d"), "y": label, "p": score})
    kwargs: dict[str, Any] = {
        "label": "y", "pred": "p", "losses": "roc_auc,average_precision", "period": "date:W",
        "drift": True, "ci": 0.95, "ci_method": "bootstrap", "resamples": 200, "seed": 2,
        "drift_reference_periods": 3,
    }  # fmt: skip
    result = evaluate(df, threads=1, **kwargs)
    drift = result.frame.drift
    assert drift is not None
    alone = evaluate(df[week < 3], label="y", pred="p", losses="roc_auc,average_precision")
    for name in ("roc_auc", "average_precision"):
        found = drift.losses[name]
        judged = np.isfinite(found.p)
        assert judged.sum() == weeks - 3
        values = result.frame.losses[name].values[:weeks]
        reference = alone.frame.losses[name].values[-1]
        np.testing.assert_allclose(found.delta[judged], values[3:] - reference, rtol=1e-12)
        assert ((found.high - found.low)[judged] > 0).all()
        assert any(v.onset is not None for v in result.drift if v.loss == name)
    again = evaluate(str(write_table(df, tmp_path / "r.csv")), threads=2, **kwargs)
    assert again.frame.drift is not None
    for name in ("roc_auc", "average_precision"):
        np.testing.assert_allclose(
            again.frame.drift.losses[name].high, drift.losses[name].high, rtol=1e-12
        )


def test_a_period_without_an_interval_breaks_a_run_of_worse_periods() -> None:
    """ "K worse periods in a row": a period between two worse ones that has no interval
    (one row) is not worse, so there is no onset of two (it had been bridged)."""
    df = weekly(groups=1, weeks=8, rows=40, seed=9)
    week = (pd.to_datetime(df.date) - MONDAY).dt.days // 7
    df.loc[week.isin([5, 7]), "p"] += 4.0
    df = df[(week != 6) | (df.index == df.index[week == 6][0])]  # week 6: one row
    kwargs: dict[str, Any] = {"label": "y", "pred": "p", "losses": "mae", "period": "date:W"}
    result = evaluate(df, drift=True, drift_reference_periods=4, **kwargs)
    found = result.frame.drift
    assert found is not None
    assert found.losses["mae"].worse.sum() == 2  # weeks 5 and 7
    assert all(v.onset is None for v in result.drift)
    kept = evaluate(df, drift=True, drift_reference_periods=4, drift_min_periods=1, **kwargs)
    assert [v.onset_label for v in kept.drift] == ["2026-W07"]  # K = 1: week 5, the first
