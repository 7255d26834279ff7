"""What a run keeps for its pictures: the internal losses of the diagrams (``--calibration``,
``--residuals``: :mod:`.bins`) and the loss whose rank tables the curves are read from
(``--curves``: :mod:`.curves`). Those modules are imported only when a picture is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..losses import Loss


def picture_losses(
    losses: Sequence[Loss], *, calibration: bool, residuals: bool, curves: bool | None
) -> tuple[tuple[Loss, ...], str]:
    """The internal losses a run of ``losses`` keeps for its diagrams and curves, and the
    loss the curves are read from ("": no curves). ``curves`` None: only where ``roc_auc``
    is among the losses."""
    curve_source, curve_losses = _curves(losses, curves)
    return _diagrams(losses, calibration, residuals) + curve_losses, curve_source


def _diagrams(losses: Sequence[Loss], calibration: bool, residuals: bool) -> tuple[Loss, ...]:
    """The internal losses of the diagrams asked for (the reliability diagram with the
    first ``ece``'s bins)."""
    if not (calibration or residuals):
        return ()
    from .bins import ECE_BINS, diagram_losses

    bins = next((x.arguments["bins"] for x in losses if x.base == "ece"), ECE_BINS)
    assert isinstance(bins, int)
    return diagram_losses(bins if calibration else None, residuals)


def _curves(losses: Sequence[Loss], curves: bool | None) -> tuple[str, tuple[Loss, ...]]:
    """The loss whose rank tables the curves are read from ("": none) and the internal loss
    that keeps them where no ``roc_auc`` does."""
    auto = curves is None and any(loss.base == "roc_auc" for loss in losses)
    if not (curves or auto):
        return "", ()
    from .curves import curve_source

    return curve_source(losses)


def confusion_losses(
    confusion: bool, normalize: str | None, threshold: float, *, weighted: bool
) -> tuple[Loss, ...]:
    """The internal loss a run keeps for ``--confusion`` (:mod:`.confusion`; none where it
    is not asked for): one-column models predict p > ``threshold``."""
    if not confusion:
        return ()
    from .confusion import confusion_loss

    return (confusion_loss(threshold, normalize, weighted=weighted),)
