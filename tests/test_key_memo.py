"""A group column's memo answers a dictionary it has just looked up (the batches of one
Parquet row group share theirs) from the ids it gave it: ids never change once given."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from losscli.engine.key_index import ColumnIndex


def test_a_dictionary_looked_up_again_gets_the_same_ids_whatever_came_between() -> None:
    """The same values again (an equal array, not the same object) get the ids they got;
    an answer changed by its caller changes no later answer; new values get new ids."""
    index = ColumnIndex()
    first = index.positions(pa.array(["b", "a", "c"]))
    assert first.tolist() == [0, 1, 2]
    first[:] = -7  # the caller's own array
    assert index.positions(pa.array(["b", "a", "c"])).tolist() == [0, 1, 2]
    assert index.positions(pa.array(["c", "d"])).tolist() == [2, 3]
    assert index.positions(pa.array(["b", "a", "c"])).tolist() == [0, 1, 2]
    assert index.positions(pa.array(["a", "b", "c"])).tolist() == [1, 0, 2]
    assert index.known == 4
    codes = index.ids(pa.array(["d", "a", "d"]).dictionary_encode())
    assert np.asarray(codes).tolist() == [3, 1, 3]
