"""A run's interval and comparison settings, resolved once (engine.settings.Uncertainty)."""

from __future__ import annotations

import pytest

from losscli.engine.bootstrap.weights import FALLBACK_BOOTSTRAP, Resampling
from losscli.engine.settings import Uncertainty
from losscli.errors import UsageError
from losscli.losses import get_loss
from losscli.result import CiSettings
from losscli.testing import KernelHarness


def test_comparisons_without_ci_are_normal_at_95_percent_adjusted_as_asked() -> None:
    settings = Uncertainty.of(None, compare="b", adjust="bh", losses=[get_loss("r2")])
    assert (settings.compare_ci.level, settings.compare_ci.method) == (0.95, "normal")
    assert settings.adjust == settings.compare_ci.adjust == "bh"
    assert settings.ci is None and settings.resampling is None  # no interval: no bootstrap
    assert settings.moments  # the comparisons' co-moments are streamed


def test_comparisons_share_the_intervals_level_and_method() -> None:
    ci = CiSettings(0.9, "bootstrap", resamples=50, seed=4, unit_rows=3)
    settings = Uncertainty.of(ci, compare=True, adjust="bh", losses=[get_loss("mse")])
    assert settings.compare_ci == settings.ci
    assert (settings.compare_ci.level, settings.compare_ci.method) == (0.9, "bootstrap")
    assert settings.resampling == Resampling(50, 4, 3)
    assert settings.bootstrap and not settings.moments


def test_losses_without_a_normal_interval_are_bootstrapped_under_the_normal_method() -> None:
    normal = CiSettings(0.95, "normal")
    assert Uncertainty.of(normal, losses=[get_loss("r2")]).resampling == FALLBACK_BOOTSTRAP
    assert Uncertainty.of(normal, losses=[get_loss("mse")]).resampling is None


def test_a_bootstrap_without_resamples_or_seed_is_a_usage_error_not_an_assertion() -> None:
    with pytest.raises(UsageError, match="the bootstrap needs its resamples and seed"):
        Uncertainty.of(CiSettings(0.95, "bootstrap"), losses=[get_loss("mse")])


def test_the_kernel_harness_bootstraps_100_resamples_from_seed_0_unless_told() -> None:
    harness = KernelHarness(["mse"], ci=CiSettings(0.95, "bootstrap"))
    assert harness.uncertainty.resampling == Resampling(100, 0, 1)
