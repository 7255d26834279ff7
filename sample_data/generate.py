"""Regenerate the sample files: python sample_data/generate.py [DIR] (deterministic; DIR
defaults to this directory, so a regeneration into another one can be compared byte for
byte with the files kept here)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def demand_forecast(rng: np.random.Generator) -> pd.DataFrame:
    """Daily unit sales of 12 stores in 4 regions over 6 weeks, with a forecast."""
    regions = {"north": 3.0, "south": 2.0, "east": 1.2, "west": 0.6}
    rows = []
    for region, scale in regions.items():
        for s in range(3):
            store = f"{region[0].upper()}{s + 1:02d}"
            level = 40 * scale * rng.uniform(0.7, 1.3)
            for day in pd.date_range("2026-03-02", periods=42, freq="D"):
                season = 1.0 + 0.35 * (day.day_of_week >= 5)
                actual = rng.poisson(level * season)
                if rng.random() < 0.02:
                    actual = 0  # store closed: MAPE cannot score this day
                forecast = max(level * season * rng.normal(1.0, 0.12), 0.0)
                rows.append((day.date().isoformat(), store, region, actual, round(forecast, 1)))
    frame = pd.DataFrame(rows, columns=["date", "store", "region", "actual", "forecast"])
    return with_quantiles(frame)


def with_quantiles(frame: pd.DataFrame) -> pd.DataFrame:
    """A quantile forecast beside the point forecast: its 10%, 50% and 90% quantiles, from
    a normal around the forecast with the spread of Poisson counts alone, √forecast, which
    misses the forecast's own error: the 80% interval is too narrow. Computed from the
    forecast column, drawing nothing, so the other files' draws stay as they were."""
    spread = 1.2816 * np.sqrt(frame["forecast"])  # z of the 90% quantile
    frame["forecast_q10"] = (frame["forecast"] - spread).clip(lower=0.0).round(1)
    frame["forecast_q50"] = frame["forecast"]
    frame["forecast_q90"] = (frame["forecast"] + spread).round(1)
    return frame


# weekly_demand: 8 stores × 5 items, 2025-W01..2025-W52 of history, 2026-W01..2026-W52
# evaluated; forecast_b runs DRIFT_SIZE high from DRIFT_ONSET on.
SCALES = [1.6, 1.4, 1.2, 1.0, 1.0, 0.8, 0.7, 0.5]  # each store's size
STORES = {f"S{s + 1:02d}": scale for s, scale in enumerate(SCALES)}
ITEMS = {"bread": 30.0, "milk": 18.0, "eggs": 8.0, "coffee": 3.0, "batteries": 0.6}
WEEKDAY = np.array([0.9, 0.85, 0.9, 1.0, 1.2, 1.4, 0.75])  # Monday … Sunday
DRIFT_ONSET = "2026-07-20"  # Monday of 2026-W30
DRIFT_SIZE = 0.4  # forecast_b × (1 + DRIFT_SIZE) from then on
Z90 = 1.2816  # the standard normal's 90% quantile


def weekly_demand(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two years of daily unit sales per store and item (weekly seasonality, over-dispersed
    counts, slow movers with many days of zero sales): the first year as the history
    (date, store, item, sales), the second with two forecasts, forecast_a (with its 10%,
    50% and 90% quantiles) and forecast_b, better than forecast_a until it starts running
    40% high in 2026-W30 (DRIFT_ONSET, DRIFT_SIZE)."""
    days = pd.date_range("2024-12-30", periods=728, freq="D")
    weekday = WEEKDAY[days.day_of_week.to_numpy()]
    frames = []
    for store, scale in STORES.items():
        for item, level in ITEMS.items():
            mean = level * scale * rng.uniform(0.85, 1.15) * weekday
            sales = rng.poisson(mean * rng.gamma(20.0, 1 / 20.0, len(days)))
            frames.append(
                pd.DataFrame(
                    {"date": days.strftime("%Y-%m-%d"), "store": store, "item": item,
                     "sales": sales, "mean": mean}
                )
            )
    data = pd.concat(frames, ignore_index=True)
    history = data[data["date"] < "2025-12-29"].drop(columns="mean")
    evaluated = data[data["date"] >= "2025-12-29"].reset_index(drop=True)
    mean = evaluated.pop("mean").to_numpy()
    forecast_a = mean * rng.lognormal(0.0, 0.15, len(mean))
    forecast_b = mean * rng.lognormal(0.0, 0.08, len(mean))
    forecast_b *= np.where(evaluated["date"] >= DRIFT_ONSET, 1.0 + DRIFT_SIZE, 1.0)
    spread = Z90 * np.sqrt(forecast_a + forecast_a**2 / 20.0)  # the counts' own spread
    evaluated["forecast_a"] = forecast_a.round(1)
    evaluated["forecast_b"] = forecast_b.round(1)
    evaluated["forecast_a_q10"] = (forecast_a - spread).clip(min=0.0).round(1)
    evaluated["forecast_a_q50"] = evaluated["forecast_a"]
    evaluated["forecast_a_q90"] = (forecast_a + spread).round(1)
    return history, evaluated


def model_comparison(rng: np.random.Generator) -> pd.DataFrame:
    """House prices (k€) with two models' predictions: a tuned one and a baseline."""
    n = 400
    segment = rng.choice(["apartment", "house", "villa"], size=n, p=[0.5, 0.4, 0.1])
    base = np.select([segment == "apartment", segment == "house"], [220.0, 410.0], 950.0)
    y = base * rng.lognormal(0.0, 0.25, size=n)
    tuned = y * rng.normal(1.0, 0.08, size=n)
    baseline = np.full(n, y.mean()) * 0.5 + base * 0.5
    return pd.DataFrame({
        "listing": np.arange(1, n + 1), "segment": segment, "y_true": y.round(1),
        "gbm": tuned.round(1), "baseline": baseline.round(1),
    })


def churn(rng: np.random.Generator) -> pd.DataFrame:
    """Customers with a churn model's probability and whether they did churn."""
    n = 600
    plan = rng.choice(["basic", "plus", "premium"], size=n, p=[0.5, 0.3, 0.2])
    tenure = rng.integers(1, 60, size=n)
    risk = -1.0 + 1.2 * (plan == "basic") - 0.04 * tenure + rng.normal(0, 0.8, size=n)
    churned = rng.random(n) < 1 / (1 + np.exp(-risk))
    p_churn = 1 / (1 + np.exp(-(risk + rng.normal(0, 0.5, size=n))))
    return pd.DataFrame({"customer": [f"C{i:04d}" for i in range(1, n + 1)], "plan": plan,
                         "tenure_months": tenure, "churned": churned,
                         "p_churn": p_churn.round(4)})


def animals(rng: np.random.Generator) -> pd.DataFrame:
    """Camera-trap images from three sites: the true species and a classifier's probabilities."""
    species = np.array(["cat", "dog", "fox"])
    n = 450
    site = rng.choice(["forest", "meadow", "village"], size=n)
    truth = rng.choice(3, size=n, p=[0.3, 0.45, 0.25])
    sharpness = np.select([site == "forest", site == "meadow"], [1.2, 2.5], 3.0)
    logits = rng.normal(0, 1, size=(n, 3))
    logits[np.arange(n), truth] += sharpness
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    probs = probs.round(4)
    probs[:, 2] = (1 - probs[:, 0] - probs[:, 1]).round(4)  # rows sum to 1 after rounding
    frame = pd.DataFrame({"image": [f"img_{i:04d}.jpg" for i in range(n)], "site": site,
                          "species": species[truth]})
    for k, name in enumerate(species):
        frame[f"p_{name}"] = probs[:, k]
    return frame


def article_one_hot() -> pd.DataFrame:
    """The founding article's cross-entropy example: −ln 0.3 = 1.2040."""
    return pd.DataFrame({"y_0": [0], "y_1": [1], "y_2": [0], "y_3": [0],
                         "p_0": [0.1], "p_1": [0.3], "p_2": [0.4], "p_3": [0.2]})


def article_example() -> pd.DataFrame:
    """The founding article's worked example: MSE 0.21606, MAPE 23.8%."""
    return pd.DataFrame({"y_true": [1, 1, 2, 2, 4], "y_pred": [0.6, 1.29, 1.99, 2.69, 3.4]})


def main(out: Path) -> None:
    """Write every sample file into ``out``."""
    rng = np.random.default_rng(20261123)
    demand_forecast(rng).to_csv(out / "demand_forecast.csv", index=False)
    model_comparison(rng).to_csv(out / "model_comparison.csv", index=False)
    article_example().to_csv(out / "article_example.csv", index=False)
    churn(rng).to_csv(out / "churn.csv", index=False)
    animals(rng).to_csv(out / "animals.csv", index=False)
    article_one_hot().to_csv(out / "article_one_hot.csv", index=False)
    history, evaluated = weekly_demand(np.random.default_rng(20261207))
    history.to_csv(out / "weekly_demand_history.csv", index=False)
    evaluated.to_csv(out / "weekly_demand.csv", index=False)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
