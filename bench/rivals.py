"""The competitors, as `python -c` scripts, each run as its own process.

The scripts that compute take the input (a file, or a glob of Parquet files), where to write
the result ("-" for standard output; a CSV file otherwise) and the group columns ("file" groups
by input file). They compute MSE and MAPE, so that every tool's numbers can be compared with
losscli's.
"""

from __future__ import annotations

# The floor: what any run of losscli cannot avoid, as a process of its own. It imports what a
# plain run must (Python, NumPy, pyarrow and its reader) and streams the needed columns exactly
# as losscli reads them, with losscli's reader settings (cases.reader_settings, taken from
# losscli.reading), touching every value (a sum) so that nothing is skipped. Takes a JSON
# object of settings, then the inputs: files (Parquet or CSV) or a directory of Parquet files,
# read one after another as losscli reads a dataset's shards. With "write": [dest, rows], it
# also writes a result of that many rows, shaped as losscli's CSV (file, pred, scope, key, n,
# mse, mape), with pyarrow's CSV writer: the floor of a run whose result is large.
# A CSV file that losscli reads in slices (one of at least "slice_min_bytes", where pyarrow has
# more than one thread: CsvSource._sliceable) is read by losscli's own slice reader,
# reading/csv_slices.py's SlicedRead (imported from losscli: the same slices, their alignment to
# the streamed read's blocks, the next slice read and parsed while this one's batches are
# touched, the text columns' shared dictionaries), and the rest of a file it stops at streamed
# from there, as CsvSource.batches does; other CSV files are streamed with open_csv. It prints
# the rows it read each way and the sum it touched, one JSON line per file (for the tests).
FLOOR_SCRIPT = """
import json, os, sys
# the libraries set as losscli's command line sets them (cli/main.py _tune_libraries): Arrow's
# buffers from the C allocator, no OpenBLAS thread pool
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np
import pyarrow as pa
settings, paths = json.loads(sys.argv[1]), sys.argv[2:]
cols, text = settings["columns"], settings["text"]
def touch(batch):
    # each values buffer viewed as NumPy, as losscli views it (_arrow.values): np.asarray or
    # Array.to_numpy import pandas on first use (~0.25 s), which no losscli run does
    total = 0.0
    for column in batch.columns:
        values = column.indices if pa.types.is_dictionary(column.type) else column
        kind = "f" if pa.types.is_floating(values.type) else "i"
        width = values.type.bit_width // 8
        data = np.frombuffer(
            values.buffers()[1], dtype=f"{kind}{width}", count=len(values),
            offset=values.offset * width,
        )
        total += float(np.sum(data))
    return total
def parquet(path):
    import pyarrow.parquet as pq
    rows = settings["batch_rows"]
    file = pq.ParquetFile(
        pa.OSFile(path), pre_buffer=settings["pre_buffer"],
        buffer_size=settings["buffer_bytes"], read_dictionary=text or None,
    )
    return file.iter_batches(batch_size=rows, columns=cols, use_threads=settings["arrow_threads"])
def csv(path, counts):
    import pyarrow.csv as pv
    types = {c: pa.dictionary(pa.int32(), pa.string()) if c in text else pa.float64() for c in cols}
    block, parse = settings["block_bytes"], pv.ParseOptions(delimiter=",")
    convert = pv.ConvertOptions(include_columns=cols, column_types=types)
    offset, names = 0, None
    if pa.cpu_count() > 1 and os.path.getsize(path) >= settings["slice_min_bytes"]:
        from losscli.reading.csv_slices import SlicedRead
        with pv.open_csv(pa.OSFile(path), read_options=pv.ReadOptions(block_size=1 << 16)) as head:
            names = head.schema.names  # as CsvSource.columns() reads the header
        sliced = SlicedRead(path, names, parse=parse, convert=convert, block=block)
        for batch in sliced:
            counts["sliced"] += batch.num_rows
            yield batch
        if sliced.done:
            return
        offset = sliced.offset  # the rest streamed from there
    stream = pa.OSFile(path)
    stream.seek(offset)
    for batch in pv.open_csv(
        stream,
        read_options=pv.ReadOptions(block_size=block, column_names=names if offset else None),
        parse_options=parse,
        convert_options=convert,
    ):
        counts["streamed"] += batch.num_rows
        yield batch
def files(path):
    if not os.path.isdir(path):
        return [path]
    return sorted(os.path.join(path, name) for name in os.listdir(path))
total = 0.0
for path in paths:
    for file in files(path):
        if file.endswith(".parquet"):
            for batch in parquet(file):
                total += touch(batch)
            continue
        counts, touched = {"sliced": 0, "streamed": 0}, 0.0
        for batch in csv(file, counts):
            touched += touch(batch)
        total += touched
        print(json.dumps({"file": file, **counts, "touched": touched}))
if settings.get("write"):
    import pyarrow.csv as pv
    dest, n = settings["write"][0], int(settings["write"][1])
    rng = np.random.default_rng(0)
    result = pa.table({
        "file": pa.repeat(paths[0], n), "pred": pa.repeat("y_pred", n),
        "scope": pa.repeat("group", n), "key": np.arange(n), "n": np.full(n, 10),
        "mse": rng.random(n) * total, "mape": rng.random(n),
    })
    pv.write_csv(result, dest)
"""

POLARS_SCRIPT = """
import sys
import polars as pl
path, dest, group = sys.argv[1], sys.argv[2], sys.argv[3:]
if path.endswith(".parquet"):
    lf = pl.scan_parquet(path, include_file_paths="file" if "file" in group else None)
else:
    lf = pl.scan_csv(path)
err = pl.col("y_pred") - pl.col("y_true")
aggs = [(err**2).mean().alias("mse"), (100 * (err / pl.col("y_true")).abs().mean()).alias("mape")]
out = (lf.group_by(group).agg(aggs).sort(group) if group else lf.select(aggs)).collect()
if dest == "-":
    sys.stdout.write(out.write_csv())
else:
    out.write_csv(dest)
"""

DUCKDB_SCRIPT = """
import sys
import duckdb
path, dest, group = sys.argv[1], sys.argv[2], sys.argv[3:]
quoted = "'" + path.replace("'", "''") + "'"
if path.endswith(".parquet"):
    source = "read_parquet(" + quoted + (", filename = 'file'" if "file" in group else "") + ")"
else:
    source = "read_csv(" + quoted + ")"
keys = ", ".join(group)
sql = (
    "SELECT " + (keys + ", " if keys else "")
    + "avg(pow(y_pred - y_true, 2)) AS mse, 100 * avg(abs(y_pred - y_true) / abs(y_true)) AS mape"
    + " FROM " + source
    + (" GROUP BY " + keys + " ORDER BY " + keys if keys else "")
)
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")  # it would draw on stdout
if dest == "-":
    rel = con.sql(sql)
    print(",".join(rel.columns))
    for row in rel.fetchall():
        print(",".join(str(v) for v in row))
else:
    con.execute("COPY (" + sql + ") TO '" + dest.replace("'", "''") + "' (HEADER, DELIMITER ',')")
"""

PANDAS_SCRIPT = """
import sys
import pandas as pd
from sklearn.metrics import mean_absolute_percentage_error, mean_squared_error
path, group = sys.argv[1], sys.argv[2:]
cols = ["y_true", "y_pred", *group]
if path.endswith(".parquet"):
    df = pd.read_parquet(path, columns=cols)
else:
    df = pd.read_csv(path, usecols=cols)
def losses(d):
    mse = mean_squared_error(d["y_true"], d["y_pred"])
    mape = 100 * mean_absolute_percentage_error(d["y_true"], d["y_pred"])
    return f"{mse!r},{mape!r}"
if group:
    print(f"{group[0]},mse,mape")
    for key, d in df.groupby(group[0]):
        print(f"{key},{losses(d)}")
else:
    print("mse,mape")
    print(losses(df))
"""

SKLEARN_LOG_LOSS_SCRIPT = """
import sys
import pandas as pd
from sklearn.metrics import log_loss
path, prefix, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
cols = ["label", *(f"{prefix}_{k}" for k in range(n))]
df = pd.read_parquet(path, columns=cols) if path.endswith(".parquet") else pd.read_csv(path)
probs = df[cols[1:]].to_numpy()
if prefix == "z":
    from scipy.special import softmax
    probs = softmax(probs, axis=1)
print("cross_entropy")
print(repr(log_loss(df["label"], probs, labels=list(range(n)))))
"""

# A stand-in for /usr/bin/time: runs the command as its only child and writes
# "<wall seconds> <peak RSS KiB>" to the file named first.
RUSAGE_WRAPPER = """
import resource, subprocess, sys, time
start = time.perf_counter()
rc = subprocess.call(sys.argv[2:])
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
    f.write(f"{wall} {usage.ru_utime} {usage.ru_stime} {usage.ru_maxrss}")
sys.exit(rc)
"""
