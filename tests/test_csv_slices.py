"""A large CSV file read in slices by pyarrow's threaded reader gives what the streamed read
gives: the same values, the same rows, the same errors naming the same row and value."""

from __future__ import annotations

import io
import itertools
import math
import random
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from losscli import evaluate
from losscli.errors import InputError
from losscli.reading import csv_slices, csv_source
from losscli.reading.csv_source import CsvSource
from losscli.reading.formats import detect

SLICE = 4096  # small slices, so that a file of a few hundred rows has many


@pytest.fixture
def sliced(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every CSV file of two slices or more read in slices of :data:`SLICE` bytes (eight
    blocks), on two pyarrow threads at least (on one, files are streamed)."""
    monkeypatch.setattr(csv_source, "BLOCK_BYTES", SLICE // 8)
    monkeypatch.setattr(csv_slices, "SLICE_BYTES", SLICE)
    monkeypatch.setattr(csv_slices, "MIN_FILE_BYTES", 2 * SLICE)
    threads = pa.cpu_count()
    pa.set_cpu_count(max(2, threads))
    yield
    pa.set_cpu_count(threads)


def streamed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_slices, "MIN_FILE_BYTES", 1 << 62)


def rows_text(n: int, seed: int = 1) -> bytes:
    rng = np.random.default_rng(seed)
    y = rng.lognormal(2, 1, n)
    pred = y * rng.normal(1, 0.2, n)
    groups = rng.choice(["north", "south", "east", "", "west"], n)
    return b"".join(
        f"{float(a)!r},{float(b)!r},{g},{i % 7}\n".encode()
        for i, (a, b, g) in enumerate(zip(y, pred, groups, strict=True))
    )


def write(tmp_path: Path, body: bytes, header: bytes = b"y_true,y_pred,region,w\n") -> Path:
    path = tmp_path / "data.csv"
    path.write_bytes(header + body)
    return path


def read(path: Path, columns: list[str], numeric: set[str]) -> tuple[dict, CsvSource]:
    source = CsvSource(str(path), detect(str(path)))
    table = pa.Table.from_batches(list(source.batches(columns, numeric)))
    return table.to_pydict(), source


def results(path: Path, **options: Any) -> list[tuple]:
    out = evaluate(str(path), losses=["mse", "mae", "mape"], drop_na=True, **options)
    return [(r.group, r.n, r.metrics) for r in out.rows]


def same(got: list[tuple], want: list[tuple]) -> None:
    """The same groups and counts, and values equal to 1e-12 (sums in another order)."""
    assert [(group, n) for group, n, _ in got] == [(group, n) for group, n, _ in want]
    for (_, _, left), (_, _, right) in zip(got, want, strict=True):
        assert left.keys() == right.keys()
        assert all(math.isclose(left[k], right[k], rel_tol=1e-12) for k in left)


def slice_reads(monkeypatch: pytest.MonkeyPatch) -> list[csv_slices.SlicedRead]:
    """The sliced reads the CSV sources make from now on, kept to be looked at."""
    read_sliced = csv_slices.SlicedRead
    reads: list[csv_slices.SlicedRead] = []

    def kept(*args: Any, **kwargs: Any) -> csv_slices.SlicedRead:
        reads.append(read_sliced(*args, **kwargs))
        return reads[-1]

    monkeypatch.setattr("losscli.reading.csv_source.SlicedRead", kept)
    return reads


def test_a_quote_in_a_later_slice_hands_the_rest_to_the_streamed_read(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = rows_text(1500).splitlines(keepends=True)
    path = write(tmp_path, b"".join(lines[:900]) + b'1.5,2.5,"a\nb",1\n' + b"".join(lines[900:]))
    reads = slice_reads(monkeypatch)
    got, _ = read(path, ["y_true", "region"], {"y_true"})
    assert not reads[0].done and 0 < reads[0].offset < path.stat().st_size
    assert got["region"][900] == "a\nb" and len(got["region"]) == 1501
    streamed(monkeypatch)
    assert got == read(path, ["y_true", "region"], {"y_true"})[0]


def test_a_sliced_file_reads_every_row_in_order_as_the_streamed_read(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, rows_text(2000))
    reads = slice_reads(monkeypatch)
    columns, numeric = ["y_true", "y_pred", "region"], {"y_true", "y_pred"}
    got, _ = read(path, columns, numeric)
    assert reads and reads[0].done and reads[0].offset == path.stat().st_size
    streamed(monkeypatch)
    want, _ = read(path, columns, numeric)
    assert got == want
    assert len(got["y_true"]) == 2000


def test_a_sliced_file_gives_the_streamed_values_per_group(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, rows_text(3000, seed=5))
    got = results(path, group_by=["region"], weight="w")
    streamed(monkeypatch)
    assert got == results(path, group_by=["region"], weight="w")  # the same blocks: same bits


def region_dictionaries(path: Path) -> tuple[list[list[str]], list[str]]:
    """The dictionary of each batch's region column, and the regions in order of first
    appearance in the file."""
    source = CsvSource(str(path), detect(str(path)))
    batches = list(source.batches(["y_true", "region"], {"y_true"}))
    regions = [r for b in batches for r in b.column("region").to_pylist()]
    dictionaries = [b.column("region").dictionary.to_pylist() for b in batches]
    return dictionaries, list(dict.fromkeys(regions))


def test_the_batches_of_a_sliced_file_share_each_text_column_s_growing_dictionary(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = rows_text(2000, seed=3).splitlines(keepends=True)
    late = [line.replace(b",north,", b",far north,") for line in rows[1500:1510]]
    path = write(tmp_path, b"".join([*rows[:1500], *late, *rows[1510:]]))
    reads = slice_reads(monkeypatch)
    dictionaries, regions = region_dictionaries(path)
    assert reads[0].done and len(dictionaries) > 16  # several slices
    # each batch's dictionary is the one before it, grown: the values in the order they came
    for before, after in itertools.pairwise(dictionaries):
        assert after[: len(before)] == before
    assert dictionaries[0] != dictionaries[-1] == regions  # "far north" came in a later slice
    got = results(path, group_by=["region"], weight="w")
    streamed(monkeypatch)
    assert got == results(path, group_by=["region"], weight="w")  # the same bits


def test_past_its_limit_a_text_column_keeps_each_batch_s_dictionary_and_its_values(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_slices, "UNIFIED_VALUES", 2)
    path = write(tmp_path, rows_text(2000, seed=4))
    dictionaries, regions = region_dictionaries(path)
    assert any(len(d) < len(regions) for d in dictionaries[8:])  # no longer shared
    got = results(path, group_by=["region"], weight="w")
    streamed(monkeypatch)
    assert got == results(path, group_by=["region"], weight="w")


def test_stdin_gives_the_bits_of_the_same_file_read_in_slices(sliced: None, tmp_path: Path) -> None:
    data = b"y_true,y_pred,region,w\r\n" + rows_text(3000, seed=9).replace(b"\n", b"\r\n")
    path = write(tmp_path, data, header=b"")
    piped = evaluate("-", losses=["mse", "mae"], group_by=["region"], stdin=io.BytesIO(data))
    by_name = evaluate(str(path), losses=["mse", "mae"], group_by=["region"])
    assert [(r.group, r.n, r.metrics) for r in piped.rows] == [
        (r.group, r.n, r.metrics) for r in by_name.rows
    ]


def error_sliced_and_streamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index: int, line: bytes
) -> str:
    """The message of a file whose line ``index`` (0: the first data row) is ``line``,
    read in slices; the streamed read's is the same."""
    lines = rows_text(1500).splitlines(keepends=True)
    lines[index] = line
    path = write(tmp_path, b"".join(lines))
    with pytest.raises(InputError) as found:
        evaluate(str(path))
    streamed(monkeypatch)
    with pytest.raises(InputError) as again:
        evaluate(str(path))
    assert str(found.value) == str(again.value)
    return str(found.value)


def test_text_in_a_numeric_column_of_a_later_slice_names_its_row_and_value(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = error_sliced_and_streamed(tmp_path, monkeypatch, 1234, b"12.5,oops,north,1\n")
    assert "column 'y_pred', data row 1235: 'oops' is not a number" in message


def test_an_integer_beyond_2_53_in_a_later_slice_is_refused_with_its_row(
    sliced: None, tmp_path: Path
) -> None:
    lines = rows_text(1500).splitlines(keepends=True)
    lines[999] = b"9007199254740993,1.5,north,1\n"
    path = write(tmp_path, b"".join(lines))
    with pytest.raises(
        InputError, match=r"column 'y_true', data row 1000: the integer 9007199254740993 is beyond"
    ):
        evaluate(str(path))


@pytest.mark.parametrize("value", [b"9007199254740993", b"-9007199254740993"])
def test_an_integer_beyond_2_53_beside_missing_values_in_its_batch_is_refused(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: bytes
) -> None:
    lines = rows_text(1500).splitlines(keepends=True)
    lines[1230], lines[1231] = b",1.5,north,1\n", b"NAN,1.5,north,1\n"  # missing; NaN
    lines[1232] = value + b",1.5,north,1\n"
    path = write(tmp_path, b"".join(lines))
    with pytest.raises(InputError) as found:
        evaluate(str(path), drop_na=True)
    streamed(monkeypatch)
    with pytest.raises(InputError) as again:
        evaluate(str(path), drop_na=True)
    assert str(found.value) == str(again.value)
    assert f"column 'y_true', data row 1233: the integer {value.decode()} is beyond" in str(
        found.value
    )


def test_a_ragged_row_of_a_later_slice_is_reported_as_the_streamed_read_does(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = error_sliced_and_streamed(tmp_path, monkeypatch, 777, b"1.5,2.5,north\n")
    assert "data row 778 has 3 fields where the header has 4" in message


@pytest.mark.parametrize(
    "oddity",
    [
        b'1.5,2.5,"north, by\nnorth-west",1\n',  # a quoted delimiter and line feed
        b"\n\n",  # blank lines
        b"1.5,2.5,,1\r\n1.5,2.5,west,1\r",  # carriage returns ending lines
        b"1.5,NA,south,1\n1.5,,south,1\n",  # missing values
        b"1.5,2.5," + b"x" * 5000 + b",1\n",  # a line longer than a slice's tail
    ],
)
def test_a_file_with_an_oddity_in_a_later_slice_reads_as_streamed(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, oddity: bytes
) -> None:
    lines = rows_text(1500).splitlines(keepends=True)
    path = write(tmp_path, b"".join(lines[:900]) + oddity + b"".join(lines[900:]))
    columns, numeric = ["y_true", "y_pred", "region"], {"y_true", "y_pred"}
    got, _ = read(path, columns, numeric)
    got_results = results(path, group_by=["region"])
    streamed(monkeypatch)
    assert got == read(path, columns, numeric)[0]
    same(got_results, results(path, group_by=["region"]))


def test_a_sliced_file_with_a_byte_order_mark_and_crlf_reads_as_streamed(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = rows_text(1200).replace(b"\n", b"\r\n")
    path = write(tmp_path, body, header=b"\xef\xbb\xbfy_true,y_pred,region,w\r\n")
    got = results(path, group_by=["region"])
    streamed(monkeypatch)
    same(got, results(path, group_by=["region"]))


def test_csv_floats_are_correctly_rounded_in_slices_and_streamed(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every value as Python's float() reads it: 17-digit decimals, subnormals, halfway
    cases, long mantissas."""
    rng = random.Random(7)
    texts = [
        "4.9e-324",
        "2.4703282292062328e-324",
        "2.2250738585072011e-308",
        "1.7976931348623157e308",
        "0.30000000000000004",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "123456789012345678901234567890.5",
        "-0.0",
    ]
    while len(texts) < 3000:
        bits = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if math.isfinite(bits):
            digits = f"{bits:.17g}"  # a whole number is written with a point (not an integer)
            digits += "" if "." in digits or "e" in digits else ".0"
            texts += [digits, f"{rng.randint(1, 10**30)}.5e{rng.randint(-340, 290)}"]
    path = write(tmp_path, "".join(f"{t},1\n" for t in texts).encode(), b"x,y\n")
    want = [float(t) for t in texts]
    got, _ = read(path, ["x"], {"x"})
    assert [struct.pack("<d", v) for v in got["x"]] == [struct.pack("<d", v) for v in want]
    streamed(monkeypatch)
    got, _ = read(path, ["x"], {"x"})
    assert [struct.pack("<d", v) for v in got["x"]] == [struct.pack("<d", v) for v in want]


def test_on_one_pyarrow_thread_a_large_file_is_streamed(
    sliced: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slices cost CPU and save nothing where the parse cannot be shared."""
    path = write(tmp_path, rows_text(1000))
    reads = slice_reads(monkeypatch)
    threads = pa.cpu_count()
    pa.set_cpu_count(1)
    try:
        got, _ = read(path, ["y_true"], {"y_true"})
    finally:
        pa.set_cpu_count(threads)
    assert reads == [] and len(got["y_true"]) == 1000
