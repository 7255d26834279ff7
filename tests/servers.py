"""Servers the storage tests talk to, all on 127.0.0.1: a web server that answers Range requests,
and Azurite (Azure's blob emulator, an npm package installed into an ignored folder). The
session-scoped fixtures in conftest.py start and stop them; moto's S3 server and the GCS
emulator are Python packages of the ``test`` extra, started there directly."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
AZURITE_DIR = ROOT / ".tools" / "azurite"  # ignored by git
AZURITE_BIN = AZURITE_DIR / "node_modules" / ".bin" / "azurite-blob"
# Azurite's well-known development account (public, in Microsoft's documentation).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
SIGNATURE = "X-Amz-Signature=good"  # what the web server's private/ files ask for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Files of a directory, with ``Range: bytes=a-b`` answered by 206; files below
    ``private/`` need the signature in the query, else 403, as a signed URL does; those
    below ``slow/`` are answered after 10 s."""

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    stalled: ClassVar[threading.Event] = threading.Event()  # set once a slow/ file is asked

    def send_head(self) -> Any:
        if "/slow/" in self.path:  # a server that stalls: a run is interrupted meanwhile
            RangeHandler.stalled.set()
            time.sleep(10)
        if "/private/" in self.path and SIGNATURE not in self.path:
            self.send_error(403, "Forbidden")
            return None
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            self.send_error(404, "Not Found")
            return None
        size = os.path.getsize(path)
        found = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        start, end = (0, size - 1) if not found else (int(found[1]), int(found[2] or size - 1))
        end = min(end, size - 1)
        self.send_response(206 if found else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(end - start + 1))
        if found:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        with open(path, "rb") as handle:
            handle.seek(start)
            self._body = handle.read(end - start + 1)
        return self

    def copyfile(self, source: Any, outputfile: Any) -> None:
        outputfile.write(self._body)

    def read(self, *args: Any) -> bytes:  # send_head's "file": the body is sent by copyfile
        return b""

    def close(self) -> None:
        pass


@contextmanager
def range_server(directory: Path) -> Iterator[str]:
    """A web server of ``directory`` on a free port of 127.0.0.1; yields its base URL."""

    def handler(*args: Any) -> RangeHandler:
        return RangeHandler(*args, directory=str(directory))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def azurite_installed() -> str | None:
    """Why Azurite cannot run here (None: it can), installing it with npm if needed."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed to run Azurite (Azure's blob emulator)"
    if AZURITE_BIN.exists():
        return None
    AZURITE_DIR.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(AZURITE_DIR), "azurite@3"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0 or not AZURITE_BIN.exists():
        return f"npm could not install azurite: {done.stderr.strip()[-300:]}"
    return None


@contextmanager
def azurite(location: Path) -> Iterator[str]:
    """Azurite's blob service on a free port; yields its connection string."""
    port = free_port()
    process = subprocess.Popen(
        [str(AZURITE_BIN), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location",
         str(location), "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        if not wait_for_port(port):
            raise RuntimeError("Azurite did not start listening within a minute")
        yield (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};"
        )
    finally:
        process.terminate()
        process.wait(30)


def count_bytes_sent(server: Any) -> None:
    """Count the body bytes a started ``ThreadedMotoServer`` sends, in ``server.bytes_sent``
    (a WSGI middleware in front of moto's application)."""
    counter = [0]
    wsgi = server._server
    app = wsgi.app

    def counting(environ: Any, start_response: Any) -> Any:
        for chunk in app(environ, start_response):
            counter[0] += len(chunk)
            yield chunk

    wsgi.app = counting
    server.bytes_sent = counter
