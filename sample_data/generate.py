"""Regenerate the sample files: python sample_data/generate.py (deterministic)."""

from __future__ import annotations

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


if __name__ == "__main__":
    rng = np.random.default_rng(20261123)
    demand_forecast(rng).to_csv(HERE / "demand_forecast.csv", index=False)
    model_comparison(rng).to_csv(HERE / "model_comparison.csv", index=False)
    article_example().to_csv(HERE / "article_example.csv", index=False)
    churn(rng).to_csv(HERE / "churn.csv", index=False)
    animals(rng).to_csv(HERE / "animals.csv", index=False)
    article_one_hot().to_csv(HERE / "article_one_hot.csv", index=False)
