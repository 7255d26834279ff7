"""The streamed Poisson bootstrap: the resampling units' weights (:mod:`.weights`), a
chunk's cell sums (:mod:`.resample`), the cells that wait to be multiplied out with
others (:mod:`.cells`) on the kernel's pool (:mod:`.settle`), in one BLAS thread each
(:mod:`.blas`); the rank losses' replicate rank tables (:mod:`.rank_tables`).

The engine calls it through what is exported here: the kernel a chunk's
:class:`ChunkBootstrap`, partials their :class:`Replicates`, the fold a
:class:`Settler`."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cells import ReplicateSums
    from .chunk import ChunkBootstrap
    from .rank_tables import RankReplicates, replicate_values
    from .replicates import RANK_REPLICATES, Replicates
    from .settle import Settler
    from .weights import FALLBACK_BOOTSTRAP, Resampling

# name → the module that defines it, imported on first use: a run without a bootstrap
# loads neither the resampling of chunks nor the rank tables (start-up, #18)
_HOME = {
    "FALLBACK_BOOTSTRAP": "weights",
    "RANK_REPLICATES": "replicates",
    "ChunkBootstrap": "chunk",
    "RankReplicates": "rank_tables",
    "ReplicateSums": "cells",
    "Replicates": "replicates",
    "Resampling": "weights",
    "Settler": "settle",
    "replicate_values": "rank_tables",
}
__all__ = [
    "FALLBACK_BOOTSTRAP",
    "RANK_REPLICATES",
    "ChunkBootstrap",
    "RankReplicates",
    "ReplicateSums",
    "Replicates",
    "Resampling",
    "Settler",
    "replicate_values",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # __import__ (not importlib.import_module), so that python -X importtime shows it
    return getattr(__import__(f"{__name__}.{_HOME[name]}", fromlist=[name]), name)
