"""The streamed Poisson bootstrap: the resampling units' weights (:mod:`.weights`), a
chunk's cell sums (:mod:`.resample`), the cells that wait to be multiplied out with
others (:mod:`.cells`) on the kernel's pool (:mod:`.settle`), in one BLAS thread each
(:mod:`.blas`); the rank losses' replicate rank tables (:mod:`.rank_tables`).

The engine calls it through what is exported here: the kernel a chunk's
:class:`ChunkBootstrap`, partials their :class:`Replicates`, the fold a
:class:`Settler`."""

from .cells import ReplicateSums
from .chunk import ChunkBootstrap
from .rank_tables import RankReplicates, replicate_values
from .replicates import RANK_REPLICATES, Replicates, capacity_for
from .settle import Settler
from .weights import FALLBACK_BOOTSTRAP, Resampling

__all__ = [
    "FALLBACK_BOOTSTRAP",
    "RANK_REPLICATES",
    "ChunkBootstrap",
    "RankReplicates",
    "ReplicateSums",
    "Replicates",
    "Resampling",
    "Settler",
    "capacity_for",
    "replicate_values",
]
