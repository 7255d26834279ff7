"""The streamed Poisson bootstrap: the resampling units' weights (:mod:`.weights`), a
chunk's cell sums (:mod:`.resample`), the cells that wait to be multiplied out with
others (:mod:`.cells`) on the kernel's pool (:mod:`.settle`), in one BLAS thread each
(:mod:`.blas`).

The engine calls it through what is exported here: the kernel a chunk's
:class:`ChunkBootstrap`, partials their :class:`Replicates`, the fold a
:class:`Settler`."""

from .cells import ReplicateSums
from .chunk import ChunkBootstrap
from .replicates import Replicates, capacity_for
from .settle import Settler
from .weights import FALLBACK_BOOTSTRAP, Resampling

__all__ = [
    "FALLBACK_BOOTSTRAP",
    "ChunkBootstrap",
    "ReplicateSums",
    "Replicates",
    "Resampling",
    "Settler",
    "capacity_for",
]
