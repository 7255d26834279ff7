"""--period COL:FREQ: rows per group × period, per period over all groups, per group over
all periods and the grand row, equal to pandas' bucketing (Series.dt.to_period in the
zone, and fixed lengths from the origin) and scikit-learn's weighted losses, in the order
losscli/result/keys.py defines; for every kind of time column, across daylight-saving
changes, chunked or not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_table
from sklearn.metrics import mean_absolute_error, mean_squared_error

from losscli import evaluate
from losscli.reading import csv_source, parquet_source, source
from losscli.result.keys import NO_PERIOD

TZ = "Europe/Berlin"
PANDAS_FREQ = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q", "Y": "Y"}
Key = tuple[Any, Any]  # (group or None, period start in ns or None)


def frame(rows: int = 600, seed: int = 1, start: str = "2026-03-20") -> pd.DataFrame:
    """Rows at random instants over about a year from ``start`` (two DST changes in
    Berlin), three groups, weights."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp(start, tz="UTC").value
    seconds = rng.integers(0, 400 * 86_400, rows)
    seconds[:40] = rng.integers(9 * 86_400, 9 * 86_400 + 7200, 40)  # 2026-03-29 01:00–03:00Z
    when = pd.to_datetime(base + seconds * 10**9, utc=True)
    y = rng.normal(50, 10, rows)
    return pd.DataFrame(
        {
            "when": when,
            "g": rng.choice(["a", "b", "c"], rows),
            "y": y,
            "p": y + rng.normal(0, 3, rows),
            "w": rng.uniform(0.5, 2.0, rows),
        }
    )


def calendar_starts(local: pd.Series, freq: str, tz: str) -> np.ndarray:
    """pandas: each wall time's calendar period, its start localized in ``tz`` (ns, UTC)."""
    first = local.dt.to_period(PANDAS_FREQ[freq]).dt.start_time
    start = first.dt.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return start.dt.tz_convert("UTC").dt.as_unit("ns").astype("int64").to_numpy()


def fixed_starts(instants: pd.Series, length: str, origin: pd.Timestamp) -> np.ndarray:
    """pandas: each instant's fixed-length period from ``origin``."""
    step = pd.Timedelta(length)
    start = origin + ((instants - origin) // step) * step
    return start.dt.as_unit("ns").astype("int64").to_numpy()


def oracle(df: pd.DataFrame, starts: np.ndarray) -> dict[Key, tuple[int, float, float]]:
    """Weighted MSE and MAE per (group, period), per period, per group and overall, by
    pandas' groupby on the bucketed time: n, mse, mae (scikit-learn's on the rows over all
    periods, its call per key being too slow for a thousand keys)."""
    e = df.y - df.p
    df = df.assign(start=starts, se=df.w * e**2, ae=df.w * e.abs())
    out: dict[Key, tuple[int, float, float]] = {}
    for by in (["g", "start"], ["g"], ["start"]):
        grouped = df.groupby(by)
        sums, sizes = grouped[["w", "se", "ae"]].sum(), grouped.size()
        for key, row in sums.iterrows():
            parts = key if isinstance(key, tuple) else (key,)
            named = dict(zip(by, parts, strict=True))
            start = named.get("start")
            k = (named.get("g"), None if start is None else int(start))
            out[k] = (int(sizes[key]), row.se / row.w, row.ae / row.w)
    for g, part in [*df.groupby("g"), (None, df)]:
        out[(g, None)] = (
            len(part),
            mean_squared_error(part.y, part.p, sample_weight=part.w),
            mean_absolute_error(part.y, part.p, sample_weight=part.w),
        )
    return out


def documented_order(keys: list[Key]) -> list[Key]:
    """result/keys.py: per group its periods in time order, then its row over all periods;
    the periods over all groups; the grand row last."""
    groups = sorted({g for g, _ in keys if g is not None})
    order: list[Key] = []
    for g in [*groups, None]:
        order += sorted(((h, s) for h, s in keys if h == g and s is not None), key=lambda k: k[1])
        if g is not None:
            order.append((g, None))
    return [*order, (None, None)]


def rows_of(result: Any, group: str | None = "g") -> dict[Key, tuple[int, float, float]]:
    """The result's rows by (group, period start), checked to come in the documented order."""
    f = result.frame
    assert f.period is not None
    keys: list[Key] = []
    out = {}
    for i in range(len(f)):
        g = None if f.overall[i] or group is None else f.keys[group][i]
        s = None if f.period.start[i] == NO_PERIOD else int(f.period.start[i])
        keys.append((g, s))
        out[(g, s)] = (int(f.n[i]), f.losses["mse"].values[i], f.losses["mae"].values[i])
    assert keys == documented_order(keys)
    assert len(out) == len(keys)  # no row twice
    return out


def assert_equal(got: dict[Key, Any], want: dict[Key, Any]) -> None:
    assert set(got) == set(want)  # periods without rows are not invented
    for key, (n, mse, mae) in want.items():
        assert got[key][0] == n, key
        assert got[key][1] == pytest.approx(mse, rel=1e-12), key
        assert got[key][2] == pytest.approx(mae, rel=1e-12), key


KW: dict[str, Any] = {"label": "y", "pred": "p", "weight": "w", "losses": "mse,mae"}


@pytest.mark.parametrize("freq", ["D", "W", "M", "Q", "Y"])
def test_calendar_periods_in_a_zone_equal_pandas_to_period_across_dst(
    tmp_path: Path, freq: str
) -> None:
    df = frame()
    path = write_table(df, tmp_path / "t.parquet")
    result = evaluate(str(path), group_by="g", period=f"when:{freq}", tz=TZ, **KW)
    local = df.when.dt.tz_convert(TZ).dt.tz_localize(None)
    assert_equal(rows_of(result), oracle(df, calendar_starts(local, freq, TZ)))


@pytest.mark.parametrize(("freq", "length"), [("h", "1h"), ("6h", "6h"), ("15min", "15min")])
def test_fixed_lengths_are_absolute_time_from_the_origin_across_dst(
    tmp_path: Path, freq: str, length: str
) -> None:
    df = frame(seed=2)
    path = write_table(df, tmp_path / "t.parquet")
    result = evaluate(str(path), group_by="g", period=f"when:{freq}", tz=TZ, **KW)
    origin = pd.Timestamp("1970-01-01T00:00", tz=TZ)
    assert_equal(rows_of(result), oracle(df, fixed_starts(df.when, length, origin)))
    f = result.frame
    assert f.period is not None
    present = f.period.present
    assert (f.period.end[present] - f.period.start[present] == pd.Timedelta(length).value).all()


def test_a_fixed_length_counts_from_period_origin(tmp_path: Path) -> None:
    df = frame(seed=3)
    path = write_table(df, tmp_path / "t.parquet")
    result = evaluate(
        str(path), period="when:7d", period_origin="2026-01-05T06:00", tz=TZ, group_by="g", **KW
    )
    origin = pd.Timestamp("2026-01-05T06:00", tz=TZ)
    assert_equal(rows_of(result), oracle(df, fixed_starts(df.when, "7D", origin)))


def test_naive_timestamps_are_wall_times_in_tz(tmp_path: Path) -> None:
    df = frame(seed=4)
    local = df.when.dt.tz_convert(TZ).dt.tz_localize(None)
    path = write_table(df.assign(when=local), tmp_path / "t.parquet")
    result = evaluate(str(path), group_by="g", period="when:W", tz=TZ, **KW)
    assert_equal(rows_of(result), oracle(df, calendar_starts(local, "W", TZ)))


def test_date_columns_are_cut_by_their_dates_and_shown_as_dates(tmp_path: Path) -> None:
    df = frame(seed=5)
    days = df.when.dt.tz_convert(TZ).dt.date
    table = pa.Table.from_pandas(df.assign(when=days), preserve_index=False)
    assert pa.types.is_date32(table.schema.field("when").type)
    pq.write_table(table, tmp_path / "t.parquet")
    result = evaluate(str(tmp_path / "t.parquet"), group_by="g", period="when:M", tz=TZ, **KW)
    local = pd.to_datetime(days)
    assert_equal(rows_of(result), oracle(df, calendar_starts(pd.Series(local), "M", TZ)))
    period = result.frame.period
    assert period is not None and period.dates and period.tz == TZ and period.freq == "M"


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "UTC"])
def test_date_periods_are_written_as_the_dates_they_hold_in_every_zone(
    tmp_path: Path, tz: str
) -> None:
    """A date column's periods are written as the local dates they start and end on, in CSV,
    JSON, Parquet and to_pandas, whatever --tz (east of UTC they had been a day early)."""
    df = pd.DataFrame({"ts": ["2026-03-29", "2026-03-29", "2026-03-30"], "y": [1.0, 2, 3]})
    path = write_table(df.assign(p=[1.0, 3, 5]), tmp_path / "d.csv")
    result = evaluate(str(path), label="y", pred="p", losses="mae", period="ts:D", tz=tz)
    flat = result.to_pandas()
    assert [str(t.date()) for t in flat.period_start.dropna()] == ["2026-03-29", "2026-03-30"]
    assert [str(t.date()) for t in flat.period_end.dropna()] == ["2026-03-30", "2026-03-31"]
    document = result.to_dict()
    assert document["rows"][0]["period"] == {"start": "2026-03-29", "end": "2026-03-30"}
    from losscli.result.keys import period_texts

    assert result.frame.period is not None
    assert period_texts(result.frame.period, "start")[1] == "2026-03-30"
    weekly = evaluate(str(path), label="y", pred="p", losses="mae", period="ts:W", tz=tz)
    assert weekly.to_dict()["rows"][0]["period"] == {"start": "2026-03-23", "end": "2026-03-30"}


def test_a_date_column_cut_into_hours_writes_its_periods_as_times(tmp_path: Path) -> None:
    """6-hour periods of a date column do not start at midnights: they are written as times
    with the zone's offset, not as dates (which had made a period end where it started)."""
    df = pd.DataFrame({"ts": ["2026-03-29", "2026-03-30"], "y": [1.0, 3], "p": [1.0, 5]})
    path = write_table(df, tmp_path / "d.csv")
    result = evaluate(
        str(path), label="y", pred="p", losses="mae", period="ts:6h", tz="Europe/Berlin"
    )
    assert result.frame.period is not None and not result.frame.period.dates
    first = result.to_dict()["rows"][0]["period"]
    assert first == {"start": "2026-03-29T00:00:00+01:00", "end": "2026-03-29T07:00:00+02:00"}


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_epoch_numbers_count_time_unit_since_1970_utc(tmp_path: Path, unit: str) -> None:
    df = frame(seed=6)
    scale = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[unit]
    epoch = df.when.astype("int64") // scale
    path = write_table(df.assign(when=epoch), tmp_path / "t.csv")
    result = evaluate(str(path), group_by="g", period="when:D", time_unit=unit, **KW)
    instants = pd.to_datetime(epoch * scale, utc=True)
    want = oracle(df, calendar_starts(instants.dt.tz_localize(None), "D", "UTC"))
    assert_equal(rows_of(result), want)


def test_csv_iso_text_with_and_without_offsets_is_parsed_by_arrow(tmp_path: Path) -> None:
    df = frame(seed=7)
    local = df.when.dt.tz_convert(TZ)
    with_offset = local.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    wall = local.dt.strftime("%Y-%m-%d %H:%M:%S")
    text = np.where(np.arange(len(df)) % 2 == 0, with_offset, wall)
    text[:40] = with_offset[:40]  # the repeated hour's rows carry their offset
    path = write_table(df.assign(when=text), tmp_path / "t.csv")
    result = evaluate(str(path), group_by="g", period="when:6h", tz=TZ, **KW)
    origin = pd.Timestamp("1970-01-01T00:00", tz=TZ)
    assert_equal(rows_of(result), oracle(df, fixed_starts(df.when, "6h", origin)))
    period = result.frame.period
    assert period is not None and not period.dates


def test_period_labels_name_the_period_in_tz(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "when": ["2026-04-06T14:20:00+02:00", "2026-04-06T23:30:00Z"],
            "y": [1.0, 2.0],
            "p": [1.5, 2.5],
        }
    )
    path = write_table(df, tmp_path / "t.csv")
    labels = {
        "W": ["2026-W15", "2026-W15"],
        "M": ["2026-04"],
        "Q": ["2026-Q2"],
        "Y": ["2026"],
        "D": ["2026-04-06", "2026-04-07"],
        "h": ["2026-04-06 14:00", "2026-04-07 01:00"],
    }
    for freq, want in labels.items():
        result = evaluate(str(path), label="y", pred="p", period=f"when:{freq}", tz=TZ)
        period = result.frame.period
        assert period is not None
        shown = [label for label in period.label.tolist() if label is not None]
        assert shown == list(dict.fromkeys(want)), freq
        assert period.label[-1] is None  # the grand row: over all periods


def test_without_groups_the_periods_are_rows_over_all_groups_then_the_grand_row(
    tmp_path: Path,
) -> None:
    df = frame(seed=8)
    path = write_table(df, tmp_path / "t.parquet")
    result = evaluate(str(path), period="when:Q", tz=TZ, **KW)
    assert result.frame.overall.all()
    got = rows_of(result, group=None)
    local = df.when.dt.tz_convert(TZ).dt.tz_localize(None)
    want = oracle(df, calendar_starts(local, "Q", TZ))
    assert_equal(got, {k: v for k, v in want.items() if k[0] is None})


@pytest.mark.parametrize(("chunk", "threads"), [(37, 1), (37, 3), (250, 2)])
def test_chunks_and_threads_give_the_same_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, threads: int
) -> None:
    df = frame(rows=900, seed=9)
    kwargs = {"group_by": "g", "period": "when:W", "tz": TZ, "ci": 0.9, **KW}
    whole = evaluate(str(write_table(df, tmp_path / "t.parquet")), threads=1, **kwargs)
    monkeypatch.setattr(parquet_source, "BATCH_ROWS", chunk)
    monkeypatch.setattr(source, "TABLE_BATCH_ROWS", chunk)
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", 200 + chunk * 10)
    text = df.assign(when=df.when.dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    for path in (tmp_path / "t.parquet", write_table(text, tmp_path / "t.csv")):
        chunked = evaluate(str(path), threads=threads, **kwargs)
        assert len(chunked.frame) == len(whole.frame)
        for name in ("mse", "mae"):
            a, b = whole.frame.losses[name], chunked.frame.losses[name]
            for field in ("values", "low", "high"):
                np.testing.assert_allclose(getattr(b, field), getattr(a, field), rtol=1e-12)
        assert chunked.frame.period is not None and whole.frame.period is not None
        assert (chunked.frame.period.start == whole.frame.period.start).all()


def test_several_files_and_models_each_get_their_block(tmp_path: Path) -> None:
    first, second = frame(seed=10), frame(seed=11, rows=300)
    paths = []
    for i, df in enumerate((first, second)):
        paths.append(str(write_table(df.assign(q=df.p * 1.1), tmp_path / f"t{i}.parquet")))
    result = evaluate(
        paths, label="y", pred=["p", "q"], weight="w", losses="mse,mae", group_by="g",
        period="when:M", tz=TZ,
    )  # fmt: skip
    f = result.frame
    blocks = f.blocks()
    assert len(blocks) == 4
    local = {
        i: df.when.dt.tz_convert(TZ).dt.tz_localize(None) for i, df in enumerate((first, second))
    }
    for start, stop in blocks:
        i = paths.index(f.file[start])
        df = (first, second)[i]
        pred = f.pred[start]
        want = oracle(
            df.assign(p=df.p * (1.1 if pred == "q" else 1.0)), calendar_starts(local[i], "M", TZ)
        )
        assert_equal(rows_of(_only(result, start, stop)), want)


def _only(result: Any, start: int, stop: int) -> Any:
    class View:
        frame = result.frame.take(slice(start, stop))

    return View()


def test_normal_intervals_and_compare_work_per_period_row(tmp_path: Path) -> None:
    df = frame(seed=12)
    path = write_table(df.assign(q=df.p + 1.0), tmp_path / "t.parquet")
    result = evaluate(
        str(path), label="y", pred=["p", "q"], weight="w", losses="mse,mae", group_by="g",
        period="when:Q", tz=TZ, ci=0.95, compare=True,
    )  # fmt: skip
    f = result.frame
    low, high = f.losses["mse"].low, f.losses["mse"].high
    assert low is not None and high is not None
    values = f.losses["mse"].values
    assert ((low <= values) & (values <= high)).all()
    rows_q = [i for i in range(len(f)) if f.pred[i] == "q"]
    mse = [c for c in result.comparisons if c.loss == "mse"]
    assert len(mse) == len(rows_q)  # one comparison per row, in the rows' order
    for c, i in zip(mse, rows_q, strict=True):
        assert c.group == f.group(i)
        start = f.period.start[i] if f.period is not None else NO_PERIOD
        assert c.period == (None if start == NO_PERIOD else int(start))
        assert c.delta == pytest.approx(values[i] - values[i - rows_q[0]], rel=1e-9)


def test_a_week_across_the_change_to_summer_time_is_167_hours(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"when": ["2026-03-27T12:00", "2026-03-30T12:00"], "y": [1.0, 2.0], "p": [1.0, 2.0]}
    )
    path = write_table(df, tmp_path / "t.csv")
    period = evaluate(str(path), label="y", pred="p", period="when:W", tz=TZ).frame.period
    assert period is not None
    hours = (period.end[:2] - period.start[:2]) // 3_600_000_000_000
    assert hours.tolist() == [167, 168]  # the week of 2026-03-29, then the next
    assert period.start[0] == pd.Timestamp("2026-03-23T00:00", tz=TZ).value


def test_a_wall_time_that_occurs_twice_is_its_earlier_instant(tmp_path: Path) -> None:
    df = pd.DataFrame({"when": ["2026-10-25T02:30"], "y": [1.0], "p": [1.0]})  # Berlin: twice
    path = write_table(df, tmp_path / "t.csv")
    period = evaluate(str(path), label="y", pred="p", period="when:h", tz=TZ).frame.period
    assert period is not None
    assert period.start[0] == pd.Timestamp("2026-10-25T00:00Z").value  # 02:00 summer time
    assert period.label[0] == "2026-10-25 02:00"


def test_the_readme_per_period_example_prints_what_the_readme_shows(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Per period", 1)[1].split("\n### ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(Path(__file__).parent.parent)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out == shown


def test_epoch_nanoseconds_in_csv_text_are_read_exactly(tmp_path: Path) -> None:
    midnight = pd.Timestamp("2026-04-07T00:00Z").value
    df = pd.DataFrame(
        {"when": [str(midnight - 1), str(midnight)], "y": [1.0, 2.0], "p": [1.0, 2.0]}
    )
    path = write_table(df, tmp_path / "t.csv")
    result = evaluate(str(path), label="y", pred="p", period="when:D", time_unit="ns")
    period = result.frame.period
    assert period is not None
    assert period.label.tolist() == ["2026-04-06", "2026-04-07", None]
