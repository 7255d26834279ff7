"""Helpers of the chart tests (``test_charts*.py``, ``test_mermaid*.py``): Mermaid's own
parser, data whose charts are known, labels that are hard to show. ``conftest`` imports
the ``mermaid_parse`` fixture from here."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from losscli.result import EvaluationResult, ResultRow

MERMAID = Path(__file__).resolve().parent.parent / "tools" / "mermaid"


@pytest.fixture(scope="session")
def mermaid_parse() -> Callable[[Sequence[str]], list[dict[str, Any]]]:
    """Mermaid's own parser (``mermaid.parse`` under node, with jsdom for its DOM): a
    function of diagram texts returning, per text, ``{"ok": True, "type": …, "data": …}``
    (an xychart's title, axes and plots as Mermaid read them) or ``{"ok": False,
    "error": …}``. Installs the npm packages first (``tools/mermaid/install.sh``, into an
    ignored folder); skips, saying why, where node or npm is missing or that fails."""
    import json
    import shutil

    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: Mermaid's parser cannot run")
    try:
        subprocess.run(
            ["sh", str(MERMAID / "install.sh")], capture_output=True, timeout=600, check=True
        )
    except (subprocess.SubprocessError, OSError) as exc:
        why = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"installing mermaid and jsdom with npm failed: {exc} {why.decode()[-500:]}")

    def parse(texts: Sequence[str]) -> list[dict[str, Any]]:
        done = subprocess.run(
            ["node", str(MERMAID / "parse.mjs")],
            input=json.dumps(list(texts)).encode(),
            capture_output=True,
            timeout=120,
            check=True,
        )
        out: list[dict[str, Any]] = json.loads(done.stdout)
        return out

    return parse


def mermaid_blocks(markdown: str) -> list[str]:
    """The text of each ```` ```mermaid ```` block of ``markdown``, in order."""
    import re

    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, flags=re.MULTILINE | re.DOTALL)


def mermaid_text(shown: str) -> str:
    """A string as Mermaid shows it: its entity codes (``#35;``; in what Mermaid's parser
    read, its placeholders for them) decoded, as Mermaid's renderer and a browser do."""
    import html
    import re

    marked = re.sub(r"#(\w+);", lambda m: ("&#" if m[1].isdigit() else "&") + m[1] + ";", shown)
    placeholders = {"\ufb02\xb0\xb0": "&#", "\ufb02\xb0": "&", "\xb6\xdf": ";"}
    for placeholder, entity in placeholders.items():
        marked = marked.replace(placeholder, entity)
    return html.unescape(marked)


def regions_csv(tmp_path: Path) -> Path:
    """Two models over four regions: ``new`` far better than ``old`` in north and east,
    indistinguishable in south and west (160 rows, 3 decimals)."""
    from conftest import write_table

    rng = np.random.default_rng(3)
    spreads = {"north": (1.0, 3.0), "south": (2.0, 2.1), "east": (0.5, 1.0), "west": (1.5, 1.4)}
    parts = []
    for region, (new, old) in spreads.items():
        y = rng.uniform(0, 10, 40)
        parts.append(
            pd.DataFrame(
                {
                    "region": region,
                    "y_true": y,
                    "new": y + rng.normal(0, new, 40),
                    "old": y + rng.normal(0, old, 40),
                }
            )
        )
    return write_table(pd.concat(parts).round(3), tmp_path / "regions.csv")


# Group values charts must show as themselves: quotes, brackets, #, ;, newlines, Unicode,
# Mermaid's directives and styles, HTML, backslashes, the empty string
AWKWARD = [
    'say "hi"',
    "[a] (b) {c}",
    "#1; #2;",
    "line\nbreak\ttab",
    "été 東京 🎉",
    '%%{init: {"theme": "dark"}}%%',
    "a:b; style x fill:#f00;",
    "<script>alert(1)</script> &amp;",
    "back\\slash `tick` 'single'",
    "",
]


def awkward_result() -> EvaluationResult:
    """One model, a group per label of ``AWKWARD``, each with its own value (1, 2, …)."""
    from conftest import result_from_rows

    rows = [
        ResultRow("f.csv", "y_pred", {"g": label}, 5, {"mse": float(k + 1)})
        for k, label in enumerate(AWKWARD)
    ]
    rows.append(ResultRow("f.csv", "y_pred", None, 50, {"mse": 5.5}))
    return result_from_rows(rows, ["mse"], ["g"])
