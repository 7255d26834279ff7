"""One BLAS thread inside the kernel: the kernel's own pool (``--threads``) gives the
parallelism, so a matrix product must not start threads of its own. Each chunk's
products would otherwise ask OpenBLAS for every core while the pool's other threads
compute too (measured here: a product took twice as long with two BLAS threads on two
busy cores). The values do not depend on the BLAS thread count; only the time does.

OpenBLAS (as NumPy's wheels bundle it) is found among the process's loaded libraries;
elsewhere (another BLAS, another OS) the count is left alone.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)
_GETTERS = (
    "scipy_openblas_get_num_threads64_",
    "openblas_get_num_threads64_",
    "openblas_get_num_threads",
)
_lock = threading.Lock()
_inside = 0  # products running now, in any thread
_before = 0  # the thread count to restore when the last one ends


@cache
def _openblas() -> tuple[Callable[[int], None], Callable[[], int]] | None:
    """OpenBLAS's (set, get) thread-count functions, if NumPy loaded an OpenBLAS."""
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return None
    libraries = {line.split()[-1] for line in maps.read_text().splitlines() if "openblas" in line}
    for path in sorted(libraries):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for setter, getter in zip(_SETTERS, _GETTERS, strict=True):
            if hasattr(library, setter) and hasattr(library, getter):
                return getattr(library, setter), getattr(library, getter)
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS runs on one thread inside; the count it had is back once no product runs."""
    global _inside, _before
    functions = _openblas()
    if functions is None:
        yield
        return
    set_threads, get_threads = functions
    with _lock:
        if _inside == 0:
            _before = int(get_threads())
            set_threads(1)
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                set_threads(_before)
