"""Print a pip constraints file pinning each runtime dependency to its lowest supported version.

The floors are the ``>=`` bounds of ``[project] dependencies`` in pyproject.toml, so the
pins can never drift from what the package declares. Environment markers are kept.
Usage: python tools/lowest_pins.py [pyproject.toml] > constraints.txt
"""

from __future__ import annotations

import re
import sys

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

FLOOR = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)\s*$")


def lowest_pins(dependencies: list[str]) -> list[str]:
    """``name==floor[; marker]`` for every dependency; one without a ``>=`` floor is an error."""
    pins = []
    for requirement in dependencies:
        specifier, _, marker = requirement.partition(";")
        match = FLOOR.match(specifier.split(",")[0])
        if match is None:
            raise SystemExit(f"lowest_pins: {requirement!r} has no '>=' floor to pin")
        name, floor = match.groups()
        pins.append(f"{name}=={floor}" + (f"; {marker.strip()}" if marker else ""))
    return pins


def main(path: str = "pyproject.toml") -> None:
    with open(path, "rb") as handle:
        project = tomllib.load(handle)["project"]
    print("# Lowest supported runtime dependencies, from pyproject.toml (tools/lowest_pins.py)")
    print("\n".join(lowest_pins(project["dependencies"])))


if __name__ == "__main__":
    main(*sys.argv[1:])
