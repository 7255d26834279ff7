"""The hash table of integer group keys spread too far for a dense table
(engine/key_hash.py), and a fold's key set made of chunks that use it."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.engine.key_hash import HashedMemo
from losscli.engine.keys import KeySet

INT64 = st.integers(-(2**63), 2**63 - 1)
FAR_APART = st.integers(-16, 15).map(lambda k: k << 59)  # keys 2⁵⁹ apart, extremes too


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.one_of(INT64, FAR_APART), max_size=60), max_size=8))
def test_hashed_memo_finds_every_key_it_was_given_and_no_other(chunks: list[list[int]]) -> None:
    memo, known = HashedMemo(), dict[int, int]()
    for chunk in chunks:
        values = np.unique(np.array(chunk, dtype=np.int64))
        found = memo.lookup(values)
        assert found.tolist() == [known.get(v, -1) for v in values.tolist()]
        new = values[found < 0]
        ids = np.arange(len(known), len(known) + len(new))
        memo.add(new, ids)
        known.update(zip(new.tolist(), ids.tolist(), strict=True))
        assert len(memo) == len(known)


def test_a_fold_of_chunks_with_many_spread_integer_keys_has_one_id_per_key() -> None:
    """Chunks of about one key per row (each sorted on its own), absorbed chunk by chunk
    into one key set: every key once, read back as itself, the ids the chunks' rows map to."""
    rng = np.random.default_rng(5)
    total = KeySet(["item"])
    seen: dict[int, int] = {}
    for _ in range(6):
        values = rng.integers(0, 30_000, 20_000) * 7_919_993 + 11
        chunk = KeySet(["item"])
        codes = chunk.codes([pa.array(values)])
        at = total.absorb(chunk)
        for value, fold_id in zip(values.tolist(), at[codes].tolist(), strict=True):
            assert seen.setdefault(value, fold_id) == fold_id
    assert total.size == len(seen)
    assert sorted(seen.values()) == list(range(total.size))
    assert {total.key(i)[0]: i for i in range(total.size)} == seen
