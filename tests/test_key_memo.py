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


def test_keys_of_several_columns_are_found_without_a_loop_and_merge_by_value() -> None:
    """Three group columns (text with a null, spread integers, booleans) coded chunk by
    chunk: one id per distinct combination whatever the chunking, each id's values read
    back as written (``key``, ``arrays``), and a key set made elsewhere merged in by value,
    also after pickling."""
    import pickle

    from losscli.engine.keys import KeySet

    rng = np.random.default_rng(4)
    n = 5_000
    names: list[str | None] = ["north", "south", None]
    text = [names[k] for k in rng.integers(0, 3, n)]
    spread = (rng.integers(0, 40, n) * 1_000_003).tolist()
    flag = rng.integers(0, 2, n).astype(bool).tolist()
    columns = [pa.array(text), pa.array(spread, pa.int64()), pa.array(flag)]
    keys = KeySet(["t", "s", "f"])
    ids = np.concatenate([keys.codes([c.slice(a, 700) for c in columns]) for a in range(0, n, 700)])
    rows = list(zip(text, spread, flag, strict=True))
    assert keys.size == len(set(rows))
    assert [keys.key(int(i)) for i in ids[:50]] == rows[:50]
    first = {row: int(i) for row, i in zip(rows, ids, strict=True)}
    assert all(first[row] == i for row, i in zip(rows, ids.tolist(), strict=True))
    back = list(zip(*(a.to_pylist() for a in keys.arrays()), strict=True))
    assert back == keys.keys()
    other = KeySet(["t", "s", "f"])
    tail = [c.slice(2_000) for c in columns]
    other.codes(tail)
    other = pickle.loads(pickle.dumps(other))
    landed = keys.absorb(other)
    assert [keys.key(int(i)) for i in landed] == other.keys()
    assert keys.size == len(set(rows))  # nothing new: every key was known
