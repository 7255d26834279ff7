"""The README's screenshots, made anew by ``make screenshots`` (headless Chromium needed):

    python tools/screenshots.py [DOCS_DIR]  # default: docs/

* ``terminal.png``: the table (with ``--chart`` where this losscli has it) of the
  issue's case, as a 110-column colour terminal shows it: rich records the coloured text
  and exports it as SVG, which Chromium draws;
* ``report-desktop.png`` and ``report-phone.png``: the HTML report of the same run at a
  desktop's and a phone's width.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from chromium import Browser, find_chromium  # noqa: E402 (the tests' Chromium driver)

CASE = (
    "sample_data/model_comparison.csv",
    *("--pred", "gbm", "--pred", "baseline", "-g", "segment", "--compare", "--ci"),
)
COLUMNS = 110


def losscli(*args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "losscli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"losscli {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
    return done.stdout


def terminal_svg() -> str:
    """The table of the case as a colour terminal shows it, as rich's SVG export."""
    from rich.console import Console
    from rich.text import Text

    chart = ["--chart"] if "--chart" in losscli("evaluate", "--help") else []
    args = ("evaluate", *CASE, *chart, "-f", "table")
    shown = losscli(*args, env={"FORCE_COLOR": "1", "COLUMNS": str(COLUMNS), "TERM": "xterm"})
    console = Console(record=True, width=COLUMNS, file=io.StringIO(), force_terminal=True)
    console.print(Text.from_ansi(shown))
    return console.export_svg(title="losscli " + " ".join(args[:-2]))


def main(argv: list[str]) -> int:
    docs = ROOT / (argv[1] if len(argv) > 1 else "docs")
    docs.mkdir(exist_ok=True)
    executable = find_chromium()
    if executable is None:
        print("screenshots: Chromium is not installed (apt-get install chromium)")
        return 4
    with tempfile.TemporaryDirectory(prefix="losscli-shots-") as folder:
        terminal = Path(folder) / "terminal.html"
        terminal.write_text(
            '<!DOCTYPE html><meta charset="utf-8"><style>body{margin:0}svg{display:block;'
            f'width:{COLUMNS * 8 + 40}px;height:auto}}</style>' + terminal_svg(),
            encoding="utf-8",
        )
        report = Path(folder) / "report.html"
        report.write_text(losscli("evaluate", *CASE, "-f", "html"), encoding="utf-8")
        with Browser(executable) as browser:
            page = browser.new_page()
            page.open(terminal.as_uri(), width=COLUMNS * 8 + 40)
            page.screenshot(docs / "terminal.png")
            for name, width in (("desktop", 1000), ("phone", 390)):
                page.open(report.as_uri(), width=width, mobile=name == "phone")
                page.screenshot(docs / f"report-{name}.png")
    for name in ("terminal", "report-desktop", "report-phone"):
        print(f"screenshots: wrote {(docs / name).relative_to(ROOT)}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
