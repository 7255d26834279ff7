"""Object stores and web servers as places of files: which URLs name one, how to reach it, and
what its failures mean to a user.

A URL (``s3://``, ``gs://``, ``az://``, ``abfs://``, ``http(s)://``) is read through fsspec
and the store's package (s3fs, gcsfs, adlfs; aiohttp for HTTP), each imported only when a
URL of its scheme is met, so a local run and ``--help`` load none of them. Credentials and
endpoints come from each store's own environment variables and config files, and from
storage options (``--storage-option KEY=VALUE``, the API's ``storage_options=``).

A URL is shown without its query string and password (:func:`display`), and every message
is passed through :func:`redact` before it is printed: a signed URL's query, secret storage
options and the stores' secret environment variables never reach the terminal.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ..errors import EnvironmentFailure, InputError, LossCliError, UsageError
from ..records import datarecord

URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@datarecord(frozen=True)
class Store:
    """A kind of store: fsspec's protocol, the package it needs, and losscli's extra."""

    protocol: str
    package: str
    extra: str
    lists: bool  # whether a prefix or glob can be listed (HTTP cannot)
    credentials: str  # where its credentials come from, for messages


_S3 = Store("s3", "s3fs", "s3", True, "AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
_GCS = Store("gs", "gcsfs", "gcs", True, "GOOGLE_APPLICATION_CREDENTIALS")
_AZURE = Store(
    "abfs", "adlfs", "azure", True, "AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_NAME"
)
_HTTP = Store("https", "aiohttp", "http", False, "a signed URL")
STORES = {
    "s3": _S3,
    "s3a": _S3,
    "gs": _GCS,
    "gcs": _GCS,
    "az": _AZURE,
    "abfs": _AZURE,
    "abfss": _AZURE,
    "http": _HTTP,
    "https": _HTTP,
}
# Storage options and environment variables whose values are secrets, by name.
SECRET_NAME = re.compile(
    r"key|secret|token|password|passwd|credential|sas|signature|connection_string", re.I
)
SECRET_ENV = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_ACCOUNT_KEY",
    "AZURE_STORAGE_CONNECTION_STRING",
    "AZURE_STORAGE_SAS_TOKEN",
    "AZURE_CLIENT_SECRET",
)
_QUERY = re.compile(r"(?i)\b((?:https?|s3a?|gs|gcs|az|abfss?)://[^\s?#'\"<>]*)[?#][^\s'\"<>]*")
_SIGNED = re.compile(
    r"(?i)\b(X-Amz-[A-Za-z-]+|X-Goog-[A-Za-z-]+|Signature|sig|AccountKey|SharedAccessSignature|"
    r"AWSAccessKeyId|SecretAccessKey|Policy|Key-Pair-Id|password)=[^&\s'\";]+"
)
_USERINFO = re.compile(r"(?i)\b(https?://)[^/@\s:]+:[^/@\s]+@")
_secrets: set[str] = set()  # secret values met in this process, for redact()


def is_url(name: str) -> bool:
    """Whether ``name`` is a URL (``scheme://…``) rather than a path."""
    return URL.match(name) is not None


def store_of(url: str) -> Store:
    """The store a URL names; an unknown scheme is a usage error."""
    scheme = url.split("://", 1)[0].lower()
    if scheme not in STORES:
        known = ", ".join(f"{s}://" for s in STORES)
        raise UsageError(f"{display(url)}: losscli cannot read {scheme}:// URLs; it reads {known}")
    return STORES[scheme]


def display(url: str) -> str:
    """The URL as messages and results show it: without a password and, on the web, without
    its query string and fragment (a signed URL's signature is in its query)."""
    if not is_url(url):
        return url
    scheme, netloc, path = _parts(url)
    return f"{scheme}://{netloc}{path}"


def normalised(url: str) -> str:
    """The object a URL names, for comparing two URLs: the store's scheme, bucket and key,
    without query, doubled or trailing slashes (``s3a://b//k`` and ``s3://b/k`` are one)."""
    _, netloc, path = _parts(url)
    key = re.sub("/+", "/", path).strip("/")
    return f"{store_of(url).protocol}://{netloc.lower()}/{key}"


def split(url: str) -> tuple[str, str]:
    """The bucket (or container, or host) and key of a URL, without query."""
    _, netloc, path = _parts(url)
    return netloc, path.lstrip("/")


def _parts(url: str) -> tuple[str, str, str]:
    """Scheme, host or bucket (without a password) and path of a URL. Only on the web does
    ``?`` start a query; in a store's URL it is part of the key (a glob's character)."""
    scheme, rest = url.split("://", 1)
    netloc, slash, path = rest.partition("/")
    if scheme.lower() in ("http", "https"):
        parts = urlsplit(url)
        netloc, path = parts.netloc, parts.path
    if ":" in netloc.split("@")[0] and "@" in netloc:
        netloc = netloc.rsplit("@", 1)[1]
    return scheme.lower(), netloc, (path if scheme.lower() in ("http", "https") else slash + path)


def remember_secrets(options: Mapping[str, Any]) -> None:
    """Keep the secret values of storage options (by their key's name), to be redacted."""
    for key, value in options.items():
        if isinstance(value, Mapping):
            remember_secrets(value)
        elif isinstance(value, str) and SECRET_NAME.search(key) and len(value) >= 4:
            _secrets.add(value)


def remember_url(url: str) -> None:
    """Keep a URL's query string and password, to be redacted wherever they appear."""
    parts = urlsplit(url)
    for secret in (parts.query, parts.fragment, parts.password or ""):
        if len(secret) >= 4:
            _secrets.add(secret)


def redact(text: str) -> str:
    """``text`` with every secret known here replaced by ``***``: URLs' query strings,
    signatures, secret storage options and the stores' secret environment variables."""
    known = _secrets | {os.environ[n] for n in SECRET_ENV if len(os.environ.get(n, "")) >= 4}
    for secret in sorted(known, key=len, reverse=True):
        text = text.replace(secret, "***")
    text = _QUERY.sub(r"\1", text)
    text = _USERINFO.sub(r"\1***@", text)
    return _SIGNED.sub(r"\1=***", text)


def parse_option(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` as a storage option: true/false, an integer, a number, JSON (``{…}``,
    ``[…]``) or text. A dotted key (``client_kwargs.region_name``) sets a nested one."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"storage option {display(text)!r} is not KEY=VALUE")
    key, raw = key.strip(), raw.strip()
    value: Any = raw
    if raw.lower() in ("true", "false"):
        value = raw.lower() == "true"
    elif re.fullmatch(r"[+-]?\d+", raw):
        value = int(raw)
    elif re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", raw):
        value = float(raw)
    elif raw[:1] in "{[":
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UsageError(f"storage option {key!r}: not JSON ({exc.msg})") from None
    return key, value


def storage_options(items: Any) -> dict[str, Any]:
    """Storage options from ``KEY=VALUE`` texts (or a mapping, as it is), nested by dots."""
    if isinstance(items, Mapping):
        options = dict(items)
    else:
        options = {}
        for item in items or ():
            key, value = parse_option(item)
            *parents, leaf = key.split(".")
            into = options
            for parent in parents:
                into = into.setdefault(parent, {})
            into[leaf] = value
    remember_secrets(options)
    return options


def filesystem(url: str, options: Mapping[str, Any] | None = None) -> Any:
    """The fsspec file system of a URL's store, with ``options``; a missing package is an
    environment error naming the extra that brings it."""
    store = store_of(url)
    kwargs = dict(options or {})
    remember_secrets(kwargs)
    if store is _GCS and kwargs.pop("anon", False):
        kwargs["token"] = "anon"
    if store is _HTTP:
        kwargs.pop("anon", None)
    if store is _GCS and os.environ.get("STORAGE_EMULATOR_HOST"):  # no gRPC in an emulator:
        os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")  # a 60 s timeout
    try:
        import fsspec

        __import__(store.package)
        return fsspec.filesystem(store.protocol, **kwargs)
    except ImportError as exc:
        raise EnvironmentFailure(
            f"{display(url)}: reading {url.split('://')[0]}:// URLs needs {store.package} "
            f"({exc.name or 'fsspec'} is missing): pip install 'losscli[{store.extra}]'"
        ) from None
    except TypeError as exc:
        raise UsageError(
            f"{display(url)}: a storage option is not one {store.package} takes: {exc}"
        ) from None


def store_error(url: str, exc: BaseException, doing: str = "read") -> LossCliError:
    """A store's failure in words a user can act on: exit 3 for what the URL names (no such
    bucket or key, access denied), exit 4 for the way there (unreachable, timeout, DNS)."""
    if isinstance(exc, LossCliError):
        return exc
    shown, store = display(url), store_of(url)
    reason = redact(_first_line(exc))
    if isinstance(exc, TypeError) and "keyword argument" in reason:
        return UsageError(f"{shown}: a storage option is not one {store.package} takes ({reason})")
    names = " ".join(cls.__name__ for cls in type(exc).__mro__).lower()
    status = _status(exc)
    if (
        (isinstance(exc, FileNotFoundError) and status not in (401, 403))
        or status == 404
        or ("nosuch" in names)
    ):
        what = "bucket or key" if store.lists else "file"
        return InputError(f"{shown}: no such {what}; check the URL ({reason})")
    if isinstance(exc, PermissionError) or status in (401, 403):
        return InputError(
            f"{shown}: access denied; check the credentials ({store.credentials}) and that "
            f"they may {doing} it, or pass --storage-option anon=true for a public bucket "
            f"({reason})"
        )
    if "credential" in names or "nocredentials" in reason.lower().replace(" ", ""):
        return EnvironmentFailure(
            f"{shown}: no credentials found; set {store.credentials}, or pass "
            f"--storage-option anon=true for a public bucket ({reason})"
        )
    signs = ("connect", "timeout", "dns", "resolution", "gaierror", "unreachable", "endpoint")
    if any(sign in names or sign in reason.lower() for sign in signs) or isinstance(
        exc, (ConnectionError, TimeoutError)
    ):
        return EnvironmentFailure(
            f"{shown}: cannot reach the store ({reason}); check the network, the endpoint "
            "(AWS_ENDPOINT_URL, STORAGE_EMULATOR_HOST, --storage-option endpoint_url=…) and "
            "any proxy"
        )
    return InputError(f"{shown}: cannot {doing} it: {reason}")


def _status(exc: BaseException | None) -> int | None:
    """The HTTP status behind a failure, also where it was raised while handling another
    (fsspec's HTTP says FileNotFoundError for a 403 it met)."""
    for _ in range(8):
        if exc is None:
            return None
        status = getattr(exc, "status", None) or getattr(exc, "code", None)
        if isinstance(status, int):
            return status
        exc = exc.__cause__ or exc.__context__
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
