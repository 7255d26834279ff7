"""mase and rmsse scaled by --history: equal to utilsforecast per series, per group and
overall (the mean over series), in chunks and threads, with the series level's rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from utilsforecast.losses import mase, rmsse

import losscli
from losscli.errors import InputError, UsageError
from losscli.reading import csv_source

DAY = pd.Timedelta(days=1)
START = pd.Timestamp("2025-01-01")


def forecasts(
    series: int = 8, history: int = 60, horizon: int = 14, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(evaluated, history): series s0… in groups a/b, daily, two models and a weight."""
    rng = np.random.default_rng(seed)
    past, rows = [], []
    for s in range(series):
        level = rng.uniform(5, 50)
        season = rng.normal(0, 3, 7)
        y = level + season[np.arange(history + horizon) % 7] + rng.normal(0, 2, history + horizon)
        days = [START + t * DAY for t in range(history + horizon)]
        for t in range(history):
            past.append({"g": "ab"[s % 2], "s": f"s{s}", "ds": days[t], "y": y[t]})
        for t in range(history, history + horizon):
            rows.append(
                {
                    "g": "ab"[s % 2],
                    "s": f"s{s}",
                    "ds": days[t],
                    "y": y[t],
                    "naive": y[t - 7],
                    "flat": y[:history].mean(),
                    "w": rng.uniform(0.5, 2),
                    "sw": float(s + 1),
                }
            )
    return pd.DataFrame(rows), pd.DataFrame(past)


def oracle(func: Any, evaluated: pd.DataFrame, past: pd.DataFrame, season: int) -> pd.DataFrame:
    """utilsforecast's value per series and model, with each series' group."""
    e = evaluated.rename(columns={"s": "unique_id"})
    t = past.rename(columns={"s": "unique_id"}).sort_values(["unique_id", "ds"])
    found = func(e[["unique_id", "ds", "y", "naive", "flat"]], ["naive", "flat"], season, t)
    groups = e[["unique_id", "g"]].drop_duplicates()
    return pd.DataFrame(found).merge(groups, on="unique_id")


def scored(evaluated: pd.DataFrame, past: pd.DataFrame, **options: Any) -> Any:
    """``evaluated`` (label y, model naive unless given) scaled by the history ``past``."""
    options = {"label": "y", "pred": "naive", "time_col": "ds", **options}
    return losscli.evaluate(evaluated, history=past, **options)


def values(result: losscli.EvaluationResult, loss: str, model: str) -> dict[Any, float]:
    """A loss's value per row of a model: keyed by the group (None: overall)."""
    f = result.frame
    key = next(iter(f.keys)) if f.keys else None
    out = {}
    for i in np.flatnonzero(f.pred == model):
        group = None if f.overall[i] or key is None else f.keys[key][i]
        out[group] = float(f.losses[loss].values[i])
    return out


@pytest.mark.parametrize("season", [1, 2, 7])
@pytest.mark.parametrize("name,func", [("mase", mase), ("rmsse", rmsse)])
def test_scaled_errors_equal_utilsforecast_per_series_group_and_overall(
    name: str, func: Any, season: int
) -> None:
    evaluated, past = forecasts()
    spec = name if season == 1 else f"{name}:season={season}"
    want = oracle(func, evaluated, past, season)
    common = {"label": "y", "pred": ["naive", "flat"], "losses": spec, "history": past}
    per_series = losscli.evaluate(evaluated, group_by="s", time_col="ds", **common)
    per_group = losscli.evaluate(evaluated, group_by="g", series="s", time_col="ds", **common)
    for model in ("naive", "flat"):
        got = values(per_series, spec, model)
        for sid, value in zip(want.unique_id, want[model], strict=True):
            assert got[sid] == pytest.approx(value, rel=1e-9, abs=0)
        assert got[None] == pytest.approx(want[model].mean(), rel=1e-9)
        grouped = values(per_group, spec, model)
        for g, mean in want.groupby("g")[model].mean().items():
            assert grouped[g] == pytest.approx(mean, rel=1e-9)
        assert grouped[None] == pytest.approx(want[model].mean(), rel=1e-9)


def test_mase_equals_utilsforecast_on_its_published_example() -> None:
    """utilsforecast's README example: 3 generated daily series, the last 7 days evaluated,
    a seasonal naive and a random model, mase with seasonality 7."""
    from utilsforecast.data import generate_series

    series = generate_series(3, with_trend=True, static_as_categorical=False)
    valid = series.groupby("unique_id").tail(7).copy()
    train = series.drop(valid.index)
    rng = np.random.RandomState(0)
    valid["seas_naive"] = train.groupby("unique_id")["y"].tail(7).values
    valid["rand_model"] = valid["y"] * rng.rand(valid["y"].shape[0])
    want = mase(valid, ["seas_naive", "rand_model"], 7, train)
    valid["unique_id"] = valid["unique_id"].astype(str)
    train = train.assign(unique_id=train["unique_id"].astype(str))
    got = losscli.evaluate(
        valid, label="y", pred=["seas_naive", "rand_model"], group_by="unique_id",
        losses="mase:season=7", history=train, time_col="ds",
    )  # fmt: skip
    for model in ("seas_naive", "rand_model"):
        shown = values(got, "mase:season=7", model)
        for sid, value in zip(want.unique_id, want[model], strict=True):
            assert shown[str(sid)] == pytest.approx(value, rel=1e-9)


def test_weights_keep_their_row_meaning_within_each_series() -> None:
    """-w weights the evaluated rows' mean error per series; the scale is the history's."""
    evaluated, past = forecasts(seed=1)
    got = scored(evaluated, past, weight="w", group_by="g", series="s", losses="mase,rmsse")
    hist = past.sort_values(["s", "ds"])
    scale = hist.groupby("s").y.apply(lambda y: y.diff().abs().mean())
    scale2 = hist.groupby("s").y.apply(lambda y: (y.diff() ** 2).mean())
    e = evaluated.assign(err=(evaluated.y - evaluated.naive).abs())
    per = e.groupby("s").apply(lambda d: np.average(d.err, weights=d.w), include_groups=False)
    sq = e.groupby("s").apply(lambda d: np.average(d.err**2, weights=d.w), include_groups=False)
    by_mase, by_rmsse = per / scale, np.sqrt(sq / scale2)
    group = e.groupby("s").g.first()
    for loss, want in (("mase", by_mase), ("rmsse", by_rmsse)):
        shown = values(got, loss, "naive")
        for g in ("a", "b"):
            assert shown[g] == pytest.approx(want[group == g].mean(), rel=1e-12)
        assert shown[None] == pytest.approx(want.mean(), rel=1e-12)


def test_series_weight_weights_the_mean_over_series() -> None:
    evaluated, past = forecasts(seed=2)
    got = scored(evaluated, past, group_by="g", series="s", series_weight="sw", losses="rmsse")
    want = oracle(rmsse, evaluated, past, 1).set_index("unique_id")
    weight = evaluated.groupby("s").sw.first()
    shown = values(got, "rmsse", "naive")
    assert shown[None] == pytest.approx(np.average(want.naive, weights=weight[want.index]))
    a = want.g == "a"
    assert shown["a"] == pytest.approx(np.average(want.naive[a], weights=weight[want.index[a]]))


def test_series_weight_not_constant_within_a_series_is_an_input_error() -> None:
    evaluated, past = forecasts()
    evaluated.loc[3, "sw"] = 99.0
    with pytest.raises(InputError, match=r"not constant within the series s=.*: 1 and 99; give"):
        losscli.evaluate(
            evaluated, label="y", pred="naive", group_by="g", series="s",
            series_weight="sw", losses="mase", history=past, time_col="ds",
        )  # fmt: skip


def test_other_losses_stay_pooled_over_rows_as_without_mase() -> None:
    evaluated, past = forecasts(seed=3)
    options = {"label": "y", "pred": ["naive", "flat"], "group_by": "g", "weight": "w", "ci": 0.9}
    plain = losscli.evaluate(evaluated, losses="mae,rmse,r2", **options)
    both = losscli.evaluate(
        evaluated, losses="mae,rmse,r2,mase", series="s", history=past, time_col="ds", **options
    )
    np.testing.assert_array_equal(plain.frame.n, both.frame.n)
    for name in ("mae", "rmse", "r2"):
        a, b = plain.frame.losses[name], both.frame.losses[name]
        np.testing.assert_allclose(b.values, a.values, rtol=1e-12)
        np.testing.assert_allclose(b.bound("low"), a.bound("low"), rtol=1e-12)


def test_scaled_errors_do_not_depend_on_chunks_threads_or_history_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluated, past = forecasts(series=12, seed=4)
    evaluated.to_csv(tmp_path / "eval.csv", index=False)
    past.sort_values(["s", "ds"]).to_csv(tmp_path / "sorted.csv", index=False)
    past.sample(frac=1, random_state=0).to_csv(tmp_path / "shuffled.csv", index=False)
    options = {
        "label": "y", "pred": ["naive", "flat"], "group_by": "g", "series": "s",
        "losses": "mase:season=7,rmsse", "time_col": "ds", "period": "ds:W", "weight": "w",
    }  # fmt: skip
    whole = losscli.evaluate(
        str(tmp_path / "eval.csv"), history=str(tmp_path / "sorted.csv"), threads=1, **options
    )
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 1024)  # history and inputs in many chunks
    for history in ("sorted.csv", "shuffled.csv"):
        for threads in (1, 3):
            chunked = losscli.evaluate(
                str(tmp_path / "eval.csv"), history=str(tmp_path / history), threads=threads,
                **options,
            )  # fmt: skip
            for name in ("mase:season=7", "rmsse"):
                np.testing.assert_allclose(
                    chunked.frame.losses[name].values, whole.frame.losses[name].values, rtol=1e-12
                )


def test_a_short_or_constant_history_leaves_its_series_out_with_a_note() -> None:
    evaluated, past = forecasts(series=4)
    past = past[(past.s != "s0") | (past.ds < START + 5 * DAY)]  # s0: 5 values, season 7
    past.loc[past.s == "s1", "y"] = 3.0  # s1: constant, a zero scale
    got = losscli.evaluate(
        evaluated, label="y", pred="naive", series="s", losses="mase:season=7",
        history=past, time_col="ds",
    )  # fmt: skip
    column = got.frame.losses["mase:season=7"]
    assert np.isfinite(column.values).all()
    assert "2 series left out" in column.notes[-1]
    want = oracle(mase, evaluated, past, 7).set_index("unique_id")
    assert column.values[-1] == pytest.approx(want.naive[["s2", "s3"]].mean(), rel=1e-9)


def test_a_series_without_history_is_an_input_error_naming_it_unless_drop_na() -> None:
    evaluated, past = forecasts(series=4)
    past = past[past.s != "s2"]
    args = {"label": "y", "pred": "naive", "series": "s", "losses": "mase", "time_col": "ds"}
    with pytest.raises(InputError, match=r"series s='s2' has no values in --history"):
        losscli.evaluate(evaluated, history=past, **args)
    got = losscli.evaluate(evaluated, history=past, drop_na=True, **args)
    column = got.frame.losses["mase"]
    assert "1 series without a history left out (--drop-na)" in column.notes[-1]
    want = oracle(mase, evaluated[evaluated.s != "s2"], past, 1)
    assert column.values[-1] == pytest.approx(want.naive.mean(), rel=1e-9)


def test_two_history_values_of_a_series_at_one_time_are_an_input_error() -> None:
    evaluated, past = forecasts(series=3)
    past = pd.concat([past, past.iloc[[70]]])
    with pytest.raises(InputError, match=r"series s='s1' has two values at 2025-01-11"):
        losscli.evaluate(
            evaluated, label="y", pred="naive", series="s", losses="mase", history=past,
            time_col="ds",
        )  # fmt: skip


def test_an_unsorted_history_over_the_memory_budget_names_a_sort_command(tmp_path: Path) -> None:
    evaluated, past = forecasts(series=40, history=400)
    past.sample(frac=1, random_state=0).to_csv(tmp_path / "h.csv", index=False)
    with pytest.raises(InputError, match=r"not sorted by series and time.*duckdb.*ORDER BY s, ds"):
        losscli.evaluate(
            evaluated, label="y", pred="naive", series="s", losses="mase", time_col="ds",
            history=str(tmp_path / "h.csv"), max_memory="100KiB",
        )  # fmt: skip


def test_scaled_losses_without_history_are_usage_errors_naming_it() -> None:
    evaluated, past = forecasts(series=2)
    with pytest.raises(UsageError, match="give --history FILE"):
        losscli.evaluate(evaluated, label="y", pred="naive", losses="rmsse")
    with pytest.raises(UsageError, match="--history is read by the losses scaled"):
        losscli.evaluate(evaluated, label="y", pred="naive", losses="mae", history=past)
    with pytest.raises(UsageError, match="--time-col"):
        losscli.evaluate(evaluated, label="y", pred="naive", losses="mase", history=past)
    with pytest.raises(UsageError, match="--ci-method normal"):
        losscli.evaluate(
            evaluated, label="y", pred="naive", losses="mase", history=past, time_col="ds",
            ci=0.95, ci_method="bootstrap",
        )  # fmt: skip


def test_all_leaves_out_the_losses_that_need_a_history() -> None:
    evaluated, _ = forecasts(series=2)
    got = losscli.evaluate(evaluated, label="y", pred="naive", losses="all")
    assert "mae" in got.losses and "mase" not in got.losses and "rmsse" not in got.losses


def test_the_interval_is_t_over_the_series_values() -> None:
    from scipy import stats

    evaluated, past = forecasts(series=9, seed=5)
    got = losscli.evaluate(
        evaluated, label="y", pred="naive", series="s", losses="mase", history=past,
        time_col="ds", ci=0.9,
    )  # fmt: skip
    per = oracle(mase, evaluated, past, 1).naive.to_numpy()
    half = stats.t.ppf(0.95, len(per) - 1) * per.std(ddof=1) / np.sqrt(len(per))
    column = got.frame.losses["mase"]
    assert column.low[-1] == pytest.approx(per.mean() - half, rel=1e-9)
    assert column.high[-1] == pytest.approx(per.mean() + half, rel=1e-9)


def test_without_series_or_groups_the_whole_input_is_one_series() -> None:
    evaluated, past = forecasts(series=1)
    got = losscli.evaluate(
        evaluated, label="y", pred=["naive", "flat"], losses="mase:season=7,rmsse",
        history=past, time_col="ds",
    )  # fmt: skip
    for name, func, season in (("mase:season=7", mase, 7), ("rmsse", rmsse, 1)):
        want = oracle(func, evaluated, past, season)
        assert values(got, name, "flat")[None] == pytest.approx(want.flat[0], rel=1e-9)


def test_a_parquet_history_of_integers_scales_a_csv_of_the_same_series(tmp_path: Path) -> None:
    """CSV keys are text and Parquet's integers: series 3 is one series in both."""
    evaluated, past = forecasts(series=4, seed=6)
    evaluated.assign(s=evaluated.s.str[1:]).to_csv(tmp_path / "eval.csv", index=False)
    past.assign(s=past.s.str[1:].astype(int)).to_parquet(tmp_path / "hist.parquet")
    got = losscli.evaluate(
        str(tmp_path / "eval.csv"), label="y", pred="naive", series="s", losses="mase",
        history=str(tmp_path / "hist.parquet"), time_col="ds",
    )  # fmt: skip
    want = oracle(mase, evaluated, past, 1)
    assert got.frame.losses["mase"].values[-1] == pytest.approx(want.naive.mean(), rel=1e-9)


def test_compare_pairs_each_series_values_of_the_two_models() -> None:
    from scipy import stats

    evaluated, past = forecasts(series=10, seed=8)
    got = losscli.evaluate(
        evaluated, label="y", pred=["naive", "flat"], group_by="g", series="s",
        losses="rmsse", history=past, time_col="ds", compare=True, ci=0.9,
    )  # fmt: skip
    want = oracle(rmsse, evaluated, past, 1)
    found = {(c.group or {}).get("g"): c for c in got.comparisons if c.loss == "rmsse"}
    assert set(found) == {"a", "b", None}
    for g, part in [*want.groupby("g"), (None, want)]:
        d = (part.flat - part.naive).to_numpy()
        half = stats.t.ppf(0.95, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        c = found[g]
        assert c.delta == pytest.approx(d.mean(), rel=1e-9)
        assert (c.low, c.high) == pytest.approx((d.mean() - half, d.mean() + half), rel=1e-9)
        assert c.p_value == pytest.approx(stats.ttest_rel(part.flat, part.naive).pvalue, rel=1e-9)
