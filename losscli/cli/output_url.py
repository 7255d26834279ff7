"""Writing the result to an object store: ``-o s3://bucket/report.json`` (also gs://, az://).

The result is rendered whole into an unnamed local temporary file first, and then sent in
one upload: a single PUT for a result of ordinary size (the store's multipart upload,
completed only once every part is sent, for one past its single-request limit). A store
makes an object visible only once its upload completes, so a failure or a signal leaves
the old object (or none), never half of one; the temporary file is removed on every path.
A multipart upload that fails part-way is not aborted here: its parts stay stored (unseen)
until the bucket's lifecycle rule for incomplete uploads removes them (a result needs one
only past s3fs's part size, tens of MB).
HTTP has no standard upload: ``-o https://…`` is refused before anything is read.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from typing import Any

import click

from ..errors import LossCliError


def check_url_output(url: str) -> None:
    """Before reading: a URL ``-o`` may name is an object of a store, not a web page."""
    from ..reading.stores import display, store_of

    try:
        store = store_of(url)
    except LossCliError as exc:
        raise click.UsageError(str(exc)) from None
    if not store.lists:
        raise click.UsageError(
            f"-o {display(url)}: losscli cannot write to a web server (HTTP has no standard "
            "upload); write to a file, or to s3://, gs:// or az://"
        )


def write_url(url: str, pieces: Iterable[bytes], options: Mapping[str, Any]) -> None:
    """Upload the result to ``url`` whole or not at all (see the module docstring); a
    failure is an environment error (exit 4) naming the URL."""
    from ..errors import EnvironmentFailure
    from ..reading.remote import object_path
    from ..reading.stores import filesystem, store_error

    fs = filesystem(url, options)
    with tempfile.NamedTemporaryFile(prefix="losscli-", suffix=".tmp", delete=False) as spool:
        path = spool.name
    try:
        with open(path, "wb") as handle:
            for piece in pieces:
                handle.write(piece)
        fs.put_file(path, object_path(fs, url))
    except LossCliError:
        raise
    except Exception as exc:
        raise EnvironmentFailure(str(store_error(url, exc, doing="write"))) from None
    finally:
        os.unlink(path)
