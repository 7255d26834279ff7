"""S3 against local disk (`--only s3`, issue #19): the same Parquet file evaluated from the
disk and from moto's S3 server on 127.0.0.1, overall and per group, with the bytes a run
fetches from the server (its footer and the needed columns' chunks, as its progress counts
them) logged beside the file's size.

The server runs in this process for the family's runs (a daemon thread, on a port chosen
when the cases are made); losscli reaches it through storage options on its command line.
Loopback has no network latency, so what the ratio shows is the cost of fetching through
s3fs and HTTP, not of a real store's distance.
"""

from __future__ import annotations

import socket
from typing import Any

from cases import LOSSCLI, Commands, Family, reg_work, regression_case
from data import Data, log
from measure import Case

BUCKET = "losscli-bench"
S3 = "losscli (s3:// on moto, loopback)"
KEYS = ("key=bench", "secret=bench-secret")
SERVERS: list[object] = []  # the servers started here (stop_servers() stops them)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def s3_family(cmd: Commands, data: Data, rows: int) -> Family:
    """losscli on the local Parquet file and on the same file in a bucket of moto's server."""
    port = _free_port()
    path = data.regression(rows).with_suffix(".parquet")
    url = f"s3://{BUCKET}/{path.name}"
    options = [f"endpoint_url=http://127.0.0.1:{port}", *KEYS]
    flags = tuple(arg for option in options for arg in ("--storage-option", option))
    cases: list[Case] = []
    for grouped in (False, True):
        group = ("region",) if grouped else ()
        work = f"S3 vs disk: {reg_work('Parquet', grouped, rows)}"
        local = regression_case(cmd, LOSSCLI, work, str(path), group)
        remote = regression_case(cmd, LOSSCLI, work, url, group)
        cases += [
            Case(work, LOSSCLI, local.argv, keys=group),  # the one the others must agree with
            Case(work, S3, (*remote.argv, *flags), keys=group),
        ]

    def prepare() -> None:
        data.ensure_regression(rows, csv=False)
        start_server(port)
        fs = _filesystem(port)
        fs.mkdir(BUCKET)
        fs.put_file(str(path), f"{BUCKET}/{path.name}")
        fetched = fetched_bytes(url, dict(o.split("=", 1) for o in options))
        log(f"s3: one run fetches {fetched:,} of the file's {path.stat().st_size:,} bytes")

    return Family("s3", cases, prepare)


def start_server(port: int) -> None:
    """moto's S3 server on 127.0.0.1:``port``, until :func:`stop_servers`."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    SERVERS.append(server)


def stop_servers() -> None:
    """Stop the servers this process started (a run of the bench just exits)."""
    while SERVERS:
        SERVERS.pop().stop()  # type: ignore[attr-defined]


def _filesystem(port: int) -> Any:
    import fsspec

    url = f"http://127.0.0.1:{port}"
    return fsspec.filesystem("s3", endpoint_url=url, key="bench", secret="bench-secret")


def fetched_bytes(url: str, options: dict[str, str]) -> int:
    """The bytes one grouped run of losscli (in this process) fetches: its progress report,
    which counts what the store sent (tests/test_storage.py checks it at the server)."""
    import losscli

    reports: list[tuple[int, int | None, str]] = []
    losscli.evaluate(
        url,
        pred="y_pred",
        losses="mse,mape",
        group_by="region",
        storage_options=options,
        progress=lambda _, *report: reports.append(report),
    )
    return reports[-1][0]
