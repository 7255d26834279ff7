"""The Dask engine (``--engine dask``): the local engine's fold mapped over partitions on
a Dask cluster, its partials merged in a tree. Imported only by a run that asks for it;
Dask itself only once a cluster is reached (:func:`.cluster.require_dask`)."""

from .cluster import Cluster, require_dask
from .driver import evaluate_on_cluster

__all__ = ["Cluster", "evaluate_on_cluster", "require_dask"]
