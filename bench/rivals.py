"""The competitors, as `python -c` scripts, each run as its own process.

The scripts that compute take the input (a file, or a glob of Parquet files), where to write
the result ("-" for standard output; a CSV file otherwise) and the group columns ("file" groups
by input file). They compute MSE and MAPE, so that every tool's numbers can be compared with
losscli's.
"""

from __future__ import annotations

# pyarrow reading just the needed columns and computing nothing: the floor. Takes the columns,
# then the inputs: files (Parquet or CSV) or a directory of Parquet files, read one after
# another (faster here than pyarrow.dataset's threaded scan of 500 small files: 0.45 s vs 1.2 s).
FLOOR_SCRIPT = """
import os, sys
cols, paths = sys.argv[1].split(","), sys.argv[2:]
def batches(path):
    if path.endswith(".parquet"):
        import pyarrow.parquet as pq
        return pq.ParquetFile(path).iter_batches(columns=cols)
    import pyarrow.csv as pv
    return pv.open_csv(path, convert_options=pv.ConvertOptions(include_columns=cols))
def files(path):
    if not os.path.isdir(path):
        return [path]
    return sorted(os.path.join(path, name) for name in os.listdir(path))
for path in paths:
    for file in files(path):
        for _ in batches(file):
            pass
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
with open(sys.argv[1], "w") as f:
    f.write(f"{wall} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
sys.exit(rc)
"""
