"""Shared fixtures: the founding article's worked example, written in every input format."""

from __future__ import annotations

import bz2
import csv
import gzip
import importlib
import io
import lzma
import math
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from chart_support import mermaid_parse  # noqa: F401 (a fixture of the chart tests)
from click.testing import CliRunner, Result
from hypothesis import settings

from losscli import evaluate, plugins
from losscli.cli import main
from losscli.engine.partial import Partial
from losscli.losses import REGISTRY, get_loss
from losscli.reading import source
from losscli.render.formats import FORMATS, Display
from losscli.result import EvaluationResult, Frame, LossColumn, ResultRow
from losscli.result.key_column import KeyColumn, with_objects
from losscli.testing import CLASSES, KernelHarness

# The suite's property tests draw the same examples on every run, so CI passes or fails
# on the code alone; HYPOTHESIS_PROFILE=explore draws new ones (as `make fuzz` does).
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

ARTICLE = pd.DataFrame({"y_true": [1.0, 1, 2, 2, 4], "y_pred": [0.6, 1.29, 1.99, 2.69, 3.4]})
ARTICLE_MSE = 0.21606
ARTICLE_MAPE = 23.8


def write_table(df: pd.DataFrame, path: Path) -> Path:
    """Write ``df`` in the format its suffix names (csv, tsv, parquet, and compressed CSV)."""
    name = path.name
    if name.endswith((".parquet", ".pq")):
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
        return path
    text = df.to_csv(index=False, sep="\t" if ".tsv" in name else ",").encode()
    openers: dict[str, Callable[[Path], bytes]] = {
        ".gz": lambda p: gzip.compress(text),
        ".bz2": lambda p: bz2.compress(text),
        ".xz": lambda p: lzma.compress(text),
    }
    if name.endswith(".zst"):
        with pa.CompressedOutputStream(str(path), "zstd") as out:
            out.write(text)
        return path
    path.write_bytes(openers.get(path.suffix, lambda p: text)(path))
    return path


def same_rows(plain: EvaluationResult, alone: EvaluationResult) -> None:
    """Equal rows: files, models, counts, and every loss's values (bit for bit) and notes."""
    a, b = plain.frame, alone.frame
    assert a.file.tolist() == b.file.tolist() and a.pred.tolist() == b.pred.tolist()
    assert a.n.tolist() == b.n.tolist() and a.overall.tolist() == b.overall.tolist()
    assert plain.losses == alone.losses
    for name in plain.losses:
        mine, theirs = a.losses[name], b.losses[name]
        assert mine.values.tobytes() == theirs.values.tobytes(), name
        assert mine.notes.tolist() == theirs.notes.tolist(), name


@pytest.fixture
def article_csv(tmp_path: Path) -> Path:
    return write_table(ARTICLE, tmp_path / "article.csv")


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the CLI in-process; standard error is kept apart from standard output."""

    def invoke(*args: str, input: bytes | str | None = None) -> Result:
        return CliRunner().invoke(
            main, list(args), input=input, catch_exceptions=False, prog_name="losscli"
        )

    return invoke


Reference = Callable[[pd.DataFrame, "np.ndarray | None"], float]


# -- scored classifier data of the rank statistics' tests (roc_auc, average_precision)


def binary(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=n)
    return (rng.uniform(size=n) < p).astype(float), p, rng.uniform(0.5, 2.0, n)


def multiclass(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n, CLASSES))
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(CLASSES, p=row) for row in p])
    return y, p, rng.uniform(0.5, 2.0, n)


def paired_in_bins(bins: int = 5000, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Two rows in each of ``bins`` distinct bins of 2^20: 2·bins exact scores."""
    rng = np.random.default_rng(seed)
    chosen = rng.choice(2**20, bins, replace=False)
    p = (np.repeat(chosen, 2) + rng.uniform(0.01, 0.99, 2 * bins)) / 2**20
    return (rng.uniform(size=len(p)) < p).astype(float), p


def merged_in_orders(harness: Any, *columns: np.ndarray, cuts: Sequence[int]) -> list[Any]:
    """The partials of ``columns`` (y, p, w, g) cut at ``cuts``, as :func:`folded_and_merged`
    gives them: each should equal the whole."""
    import itertools

    chunks = [
        harness.partial(*(c[a:b] for c in columns), first_row=a)
        for a, b in itertools.pairwise(cuts)
    ]
    return folded_and_merged(harness, chunks)


def assert_matches_reference(
    frame: pd.DataFrame,
    spec: str,
    reference: Reference,
    *,
    group: str = "g",
    rel: float = 1e-9,
    **options: Any,
) -> None:
    """``spec`` on ``frame`` equals ``reference(rows, weights)`` (NaN: no value) without and
    with the weights of column ``w``: overall, per group (each group row also equal to the
    group evaluated alone), and read in chunks of 7 rows. ``options`` go to evaluate."""
    column = get_loss(spec).name

    def expect(got: float | None, want: float, where: str) -> None:
        if np.isnan(want):
            assert got is None, where
        else:
            assert got == pytest.approx(want, rel=rel, abs=1e-15), where

    for weight in (None, "w"):
        kwargs = {"weight": weight, "losses": spec, **options}
        rows = evaluate(frame, group_by=group, **kwargs).rows
        for row in rows[:-1]:
            part = frame[frame[group] == row.group[group]]
            weights = None if weight is None else part[weight].to_numpy()
            expect(row.metrics[column], reference(part, weights), f"{row.group}, w={weight}")
            alone = evaluate(part, **kwargs).rows[-1]
            got = alone.metrics[column]
            expect(got, np.nan if row.metrics[column] is None else row.metrics[column], "alone")
        weights = None if weight is None else frame[weight].to_numpy()
        expect(rows[-1].metrics[column], reference(frame, weights), f"overall, w={weight}")
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(source, "TABLE_BATCH_ROWS", 7)
            chunked = evaluate(frame, group_by=group, **kwargs).rows
        for row, whole in zip(chunked, rows, strict=True):
            assert row.group == whole.group
            want = whole.metrics[column]
            expect(row.metrics[column], np.nan if want is None else want, f"chunked {row.group}")


def folded_and_merged(harness: KernelHarness, chunks: list[Partial]) -> list[Partial]:
    """``chunks`` folded in order into an empty partial, merged in reverse order, and that
    merge pickled and read back: three partials that must equal the whole."""
    folded = harness.empty()
    for chunk in chunks:
        folded.absorb(chunk)
    reverse = chunks[-1]
    for chunk in reversed(chunks[:-1]):
        reverse = reverse.merge(chunk)
    return [folded, reverse, pickle.loads(pickle.dumps(reverse))]


BENCH_DIR = Path(__file__).resolve().parent.parent / "bench"


def bench_module(name: str) -> ModuleType:
    """A module of bench/, imported as `python bench/run.py` imports it: bench/ is a directory
    of scripts whose modules import each other by their bare names, not a package."""
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    return importlib.import_module(name)


def on_a_terminal(
    *args: str,
    columns: int = 200,
    term: str = "dumb",
    env: dict[str, str] | None = None,
    styles: bool = False,
) -> tuple[int, str]:
    """Run losscli with standard output and error on one pseudo-terminal ``columns`` wide
    (a dumb one is 80 wide for rich); what it showed, without its text styles (with
    ``styles``: with them, and colours unless ``env`` sets NO_COLOR). ``env``: more
    environment variables."""
    import pty
    import re

    leader, follower = pty.openpty()
    given = env or {}
    env = {**os.environ, "COLUMNS": str(columns), "TERM": term, **given}
    if not styles:
        env["NO_COLOR"] = "1"
    elif "NO_COLOR" not in given:
        env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "losscli", *args], stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO: the terminal's other side closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    text = shown.decode()
    if not styles:
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # bold, dim: NO_COLOR keeps them
    return process.wait(timeout=60), text.replace("\r\n", "\n")


EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plugins"


@pytest.fixture
def clean_registry() -> Iterator[None]:
    """The test sees the built-ins only, and leaves no plugin's loss behind."""
    before, loaded, scanned = dict(REGISTRY), set(plugins._loaded), list(plugins._scanned)
    yield
    REGISTRY.clear()
    REGISTRY.update(before)
    plugins._loaded.clear()
    plugins._loaded.update(loaded)
    plugins._scanned[:] = scanned


def sales(tmp_path: Path, rows: int = 200) -> tuple[pd.DataFrame, Path]:
    """Weighted, grouped regression data, and the CSV file it is written to."""
    rng = np.random.default_rng(1)
    y = rng.uniform(10, 20, rows)
    frame = pd.DataFrame(
        {
            "y_true": y,
            "y_pred": y + rng.normal(0, 2, rows),
            "w": rng.uniform(0.5, 2, rows),
            "g": rng.choice(["a", "b"], rows),
        }
    )
    return frame, write_table(frame, tmp_path / "sales.csv")


def sales_file(tmp_path: Path, fmt: str) -> Path:
    """``sales``' data as a file of ``fmt``: ``csv`` or ``parquet``."""
    frame, path = sales(tmp_path)
    return write_table(frame, tmp_path / "sales.parquet") if fmt == "parquet" else path


def rendered(name: str, result: Any, charset: str | None = None, table: str = "rows") -> str:
    """The output format ``name``'s text of ``result`` (its table ``table``) as a file
    holds it (for standard output of ``charset`` where one is given), its pieces joined."""
    stream = None if charset is None else io.TextIOWrapper(io.BytesIO(), encoding=charset)
    text = FORMATS[name].render(result, Display(stream=stream, table=table))
    assert not isinstance(text, bytes), f"{name} is binary"
    return text if isinstance(text, str) else "".join(text)


def read_back(text: str, delimiter: str) -> list[dict[str, str]]:
    """The rows of CSV text; NUL passes Python 3.10's reader as a character the text lacks."""
    stand_in = next(c for c in map(chr, range(0xE000, 0xF900)) if c not in text)
    lines = io.StringIO(text.replace("\x00", stand_in), newline="")
    return [
        {
            key.replace(stand_in, "\x00"): value.replace(stand_in, "\x00")
            for key, value in row.items()
        }
        for row in csv.DictReader(lines, delimiter=delimiter)
    ]


def texts_of(result: EvaluationResult) -> list[str]:
    """Every text from outside that a table or markdown shows."""
    groups = [str(value) for row in result.rows for value in (row.group or {}).values()]
    return [*result.files, *result.preds, *result.group_by, *groups]


def assert_shown_literally(result: EvaluationResult, charset: str, table: str, md: str) -> None:
    """Every text from outside of ``result`` is in ``table`` as ``literal.visible`` shows it,
    and in the markdown ``md`` as ``literal.markdown`` does, for a terminal of ``charset``."""
    from losscli.render.literal import markdown, visible

    md.encode(charset)
    for text in texts_of(result):
        assert visible(text, charset) in table
        assert markdown(text, charset) in md


def write_plugin(tmp_path: Path, body: str, name: str = "plugin.py") -> Path:
    """A plugin file: ``body`` after ``import numpy as np`` and ``import losscli``."""
    path = tmp_path / name
    path.write_text("import numpy as np\nimport losscli\n" + textwrap.dedent(body))
    return path


def losscli_process(
    *args: str, input: bytes | None = None, cwd: Path | None = None, path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m losscli ARGS`` in a process of its own (signal handlers, descriptors);
    ``path``: a directory put first on its module search path (installed packages)."""
    env = None if path is None else {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run(
        [sys.executable, "-m", "losscli", *args],
        input=input,
        capture_output=True,
        timeout=120,
        cwd=cwd,
        text=input is None,
        env=env,
    )


def html_reports(out: Path, runs: Mapping[str, Sequence[str]]) -> dict[str, Path]:
    """``losscli evaluate ARGS -o out/NAME.html`` for each run (its name → its arguments);
    each must succeed. The reports' paths by name."""
    found = {}
    for name, args in runs.items():
        found[name] = out / f"{name}.html"
        done = losscli_process("evaluate", *args, "-o", str(found[name]))
        assert done.returncode == 0, done.stderr
    return found


def handles_signals(process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Wait until the losscli run ``process`` catches SIGINT and SIGTERM (its handlers are
    installed, after the imports its start needs), as the kernel shows in /proc: a signal
    sent before would kill the interpreter (-15), not end the run as losscli ends it.
    Fails if the process ends first, or has not got there in ``timeout`` seconds."""
    status, wanted = Path(f"/proc/{process.pid}/status"), (signal.SIGINT, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            line = next(x for x in status.read_text().splitlines() if x.startswith("SigCgt:"))
        except OSError:  # ended meanwhile: poll() tells
            continue
        caught = int(line.split()[1], 16)
        if all(caught >> (number - 1) & 1 for number in wanted):
            return
        time.sleep(0.01)
    raise AssertionError(f"losscli never caught SIGINT and SIGTERM (exit {process.poll()})")


def install_entry_point(site: Path, module_source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A distribution ``acme-losses`` on sys.path whose module ``acme_losses`` (holding
    ``module_source``) is the entry point of group ``losscli.losses``; the installed
    packages are looked through again."""
    (site / "acme_losses").mkdir(parents=True)
    (site / "acme_losses" / "__init__.py").write_text(module_source)
    info = site / "acme_losses-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-losses\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[losscli.losses]\nacme = acme_losses\n")
    monkeypatch.syspath_prepend(str(site))
    plugins._scanned.clear()


# ------------------------------------------------- results built from typed rows


def result_from_rows(
    rows: Sequence[ResultRow], losses: Sequence[str], group_by: Sequence[str], **rest: Any
) -> EvaluationResult:
    """A result of typed rows, made by hand (the inverse of its rows view)."""
    count = len(rows)

    def objects(values: Sequence[Any]) -> np.ndarray:
        out = np.empty(count, dtype=object)
        out[:] = list(values)
        return out

    def floats(values: Sequence[float | None]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    columns = {}
    for name in losses:
        intervals = [row.intervals.get(name) for row in rows]
        column = LossColumn.of(
            floats([row.metrics.get(name) for row in rows]),
            objects([row.notes.get(name) for row in rows]),
        )
        if any(intervals):
            column = replace(
                column,
                low=floats([i.low if i else None for i in intervals]),
                high=floats([i.high if i else None for i in intervals]),
                se=floats([i.se if i else None for i in intervals]),
                method=next(i.method for i in intervals if i),
            )
        if any(row.baseline is not None for row in rows):
            column = replace(
                column,
                baseline=floats([(row.baseline or {}).get(name) for row in rows]),
                baseline_se=floats([(row.baseline_se or {}).get(name) for row in rows]),
            )
        columns[name] = column
    frame = Frame(
        file=objects([row.file for row in rows]),
        pred=objects([row.pred for row in rows]),
        keys={g: KeyColumn.of([(row.group or {}).get(g) for row in rows]) for g in group_by},
        overall=np.array([row.is_overall for row in rows], dtype=bool),
        n=np.array([row.n for row in rows], dtype=np.int64),
        losses=columns,
    )
    return EvaluationResult(frame, list(losses), list(group_by), **rest)


def result_with_parts(
    data: pd.DataFrame,
    *,
    time: str | None = None,
    freq: str = "D",
    tz: str = "UTC",
    dates: bool = False,
    classes: str | None = None,
    averages: Sequence[str] = ("macro avg",),
    **options: Any,
) -> EvaluationResult:
    """``losscli.evaluate(data, **options)`` with the period and class parts of the row key
    (:mod:`losscli.result.keys`) made by evaluating subsets of ``data``, in the documented
    order, until the engine makes them itself (--period, --per-class).

    ``time``: a column of timestamps (naive ones are in ``tz``; ``dates``: dates), cut into
    pandas periods of ``freq`` in ``tz``; a period's row is ``evaluate`` of its rows.
    ``classes``: a column whose values are the classes; a class row is ``evaluate`` of its
    parent's rows of that class (a stand-in for the per-class losses), each parent followed
    by its classes in label order, then ``averages`` (the mean of its class rows' values).
    ``support`` is each row's n. Periods without rows are not invented.
    """
    base = evaluate(data, **options).frame
    spans: list[tuple[int, int, str]] = []
    parents = [(-1, data)]
    if time is not None:
        stamps = pd.to_datetime(data[time])
        local = stamps.dt.tz_convert(tz).dt.tz_localize(None) if stamps.dt.tz else stamps
        cut = local.dt.to_period(freq)
        for number, period in enumerate(sorted(cut.unique())):
            bounds = [period.start_time, (period + 1).start_time]
            ns = [b.value if dates else b.tz_localize(tz).value for b in bounds]
            spans.append((ns[0], ns[1], str(period)))
            parents.append((number, data[(cut == period).to_numpy()]))
    sources: list[Frame] = []
    picks: list[tuple[int, int, int, str | None]] = []  # (source, row, period, class)

    def found(part: pd.DataFrame) -> dict[tuple[Any, ...], int]:
        if not len(part):  # a period without rows of a class: no rows
            return {}
        sources.append(evaluate(part, **options).frame if len(sources) else base)
        frame = sources[-1]
        keys = [frame.keys[g] for g in frame.keys]
        return {
            (frame.file[i], frame.pred[i], None if frame.overall[i] else tuple(k[i] for k in keys)):
                i for i in range(len(frame))
        }  # fmt: skip

    places = {number: (len(sources), found(part)) for number, part in parents}
    names = sorted(data[classes].unique()) if classes is not None else []
    of_class = {
        (number, name): (len(sources), found(part[part[classes] == name]))
        for number, part in parents
        for name in names
    }
    for i in range(len(base)):
        key = None if base.overall[i] else tuple(base.keys[g][i] for g in base.keys)
        place = (base.file[i], base.pred[i], key)
        for number in [*range(len(spans)), -1]:
            source, rows = places[number]
            if place not in rows:
                continue
            parent = (source, rows[place], number)
            picks.append((*parent, None))
            for name in names:
                source, rows = of_class[(number, name)]
                if place in rows:
                    picks.append((source, rows[place], number, name))
            picks += [(*parent, average) for average in averages if names]
    return _with_parts(base, sources, picks, spans, tz=tz, dates=dates, averages=averages)


def _with_parts(
    base: Frame,
    sources: list[Frame],
    picks: list[tuple[int, int, int, str | None]],
    spans: list[tuple[int, int, str]],
    **how: Any,
) -> EvaluationResult:
    """``result_with_parts``' frame: the rows ``picks`` names, with their parts."""
    from losscli.result.keys import NO_PERIOD, ClassColumns, PeriodColumns

    starts = np.cumsum([0, *(len(f) for f in sources)])
    joined = Frame.concat(sources)
    frame = joined.take(np.array([starts[s] + r for s, r, _, _ in picks], dtype=np.int64))
    period = None
    if spans:
        table = [*spans, (NO_PERIOD, NO_PERIOD, None)]
        at = [table[p] for _, _, p, _ in picks]
        period = PeriodColumns(
            np.array([a[0] for a in at], dtype=np.int64),
            np.array([a[1] for a in at], dtype=np.int64),
            np.array([a[2] for a in at], dtype=object),
            tz=how["tz"],
            dates=how["dates"],
        )
    classes = None
    if any(name is not None for *_, name in picks):
        names = np.array([name for *_, name in picks], dtype=object)
        average = np.isin(names, list(how["averages"]))
        classes = ClassColumns(names, average)
        for column in frame.losses.values():  # an average: the mean of the class rows before it
            for i in np.flatnonzero(average):
                first = i
                while first > 0 and classes.present[first - 1]:
                    first -= 1
                members = column.values[[j for j in range(first, i) if not average[j]]]
                finite = members[np.isfinite(members)]
                column.values[i] = finite.mean() if len(finite) else np.nan
    frame = replace(
        frame, period=period, classes=classes, support=None if classes is None else frame.n * 1.0
    )
    return EvaluationResult(frame, list(frame.losses), list(base.keys))


def records(result: EvaluationResult) -> list[dict[str, Any]]:
    """The shown rows as flat dicts (:meth:`~losscli.result.EvaluationResult.flat`), None
    where a value is missing."""
    flat = with_objects(result.flat())
    values = [_python(column) for column in flat.values()]
    return [dict(zip(flat, row, strict=True)) for row in zip(*values, strict=True)]


def _python(values: np.ndarray) -> list[Any]:
    """An array's items as Python values, None for NaN."""
    if values.dtype.kind == "f":
        return [None if v != v else v for v in values.tolist()]
    return values.tolist()


# ------------------------------------------------------------ the order of keys


def sort_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """The order a result shows its group keys in, one key at a time in Python (the
    specification of :mod:`losscli.engine.order`, which sorts whole columns): numbers (and
    text that reads as a number) in numeric order, then other text, then NaN and
    infinities, then missing keys."""
    return tuple(_order(v) for v in key)


def _order(value: Any) -> tuple[int, float, str]:
    if value is None:
        return (3, 0.0, "")
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return (1, 0.0, str(value))
    try:
        number = float(value)
    except ValueError:
        return (1, 0.0, str(value))
    return (0, number, str(value)) if math.isfinite(number) else (2, 0.0, str(value))


# Stores on 127.0.0.1 for the storage tests (tests/servers.py): each server is started once per
# session, and each test gets a bucket (or container) of its own, with the environment
# variables a user would set pointing at it.
FAKE_SECRET = "fakeSecretKey/DoNotPrint+0123456789"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[Any]:
    """moto's S3 server, its responses' body bytes counted (``s3_bytes_sent``)."""
    from moto.server import ThreadedMotoServer
    from servers import count_bytes_sent, free_port

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    count_bytes_sent(server)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_endpoint(s3_server: Any) -> str:
    host, port = s3_server.get_host_and_port()
    return f"http://{host}:{port}"


@pytest.fixture
def s3_bytes_sent(s3_server: Any) -> list[int]:
    """The body bytes the S3 server has sent so far (a counter that grows)."""
    return s3_server.bytes_sent


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, request: Any) -> str:
    """A new bucket on the S3 server, named for the test; AWS_* set as a user would."""
    import boto3

    env = {
        "AWS_ACCESS_KEY_ID": "AKIAFAKEKEY0000TEST",
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_REGION": "us-east-1",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    bucket = f"t{abs(hash(request.node.nodeid)) % 10**12}-{time.monotonic_ns() % 10**6}"
    boto3.client("s3").create_bucket(Bucket=bucket)
    return bucket


def put_object(url: str, data: bytes, **options: Any) -> None:
    """Write ``data`` to ``url`` through the store's own fsspec file system."""
    import fsspec

    fs, path = fsspec.core.url_to_fs(url, **options)
    fs.pipe_file(path, data)
    fs.invalidate_cache()


def table_bytes(frame: pd.DataFrame, name: str) -> bytes:
    """``frame`` as the bytes of a file named ``name`` (``write_table``'s formats)."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        return write_table(frame, Path(directory) / name).read_bytes()


@pytest.fixture(scope="session")
def web_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A web server answering Range requests: (its base URL, the directory it serves)."""
    from servers import range_server

    directory = tmp_path_factory.mktemp("web")
    with range_server(directory) as base:
        yield base, directory


@pytest.fixture(scope="session")
def azurite_connection(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from servers import azurite, azurite_installed

    reason = azurite_installed()
    if reason is not None:
        pytest.skip(reason)
    with azurite(tmp_path_factory.mktemp("azurite")) as connection:
        yield connection


@pytest.fixture
def azure_container(azurite_connection: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new container on Azurite; AZURE_STORAGE_CONNECTION_STRING set as a user would."""
    from azure.storage.blob import BlobServiceClient

    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_connection)
    name = f"c{time.monotonic_ns()}"
    BlobServiceClient.from_connection_string(azurite_connection).create_container(name)
    return name


@pytest.fixture(scope="session")
def gcs_endpoint() -> Iterator[str]:
    from gcp_storage_emulator.server import create_server
    from servers import free_port

    port = free_port()
    server = create_server("127.0.0.1", port, in_memory=True)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def gcs_bucket(gcs_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new bucket on the GCS emulator; STORAGE_EMULATOR_HOST set as a user would."""
    import fsspec

    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_endpoint)
    monkeypatch.setenv("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
    name = f"b{time.monotonic_ns()}"
    fsspec.filesystem("gs", token="anon").mkdir(name)
    return name


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A Dask ``LocalCluster`` of 2 single-threaded worker processes on 127.0.0.1, and a
    client of it, for the whole session (starting one takes seconds)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        memory_limit="1GiB",
        dashboard_address=":0",
    )
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()
