"""The README's walk-through of a year of weekly demand runs as written and prints what the
README shows (commands run by bash in a directory of their own, beside the sample data)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTION = "### Walk-through: a year of weekly demand"
MARK = "@@ next command @@"


def transcripts(readme: str) -> list[list[tuple[str, str]]]:
    """Each console block of the walk-through as (command, what it printed) pairs; a
    command's lines after the first follow a line that ends in a backslash."""
    section = readme.split(f"{SECTION}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    blocks = []
    for text in re.findall(r"```console\n(.*?)```", section, re.S):
        pairs: list[tuple[str, str]] = []
        lines = text.splitlines()
        while lines:
            command = [lines.pop(0).removeprefix("$ ")]
            while command[-1].endswith("\\"):
                command.append(lines.pop(0))
            shown = []
            while lines and not lines[0].startswith("$ "):
                shown.append(lines.pop(0))
            pairs.append(("\n".join(command), "\n".join(shown)))
        blocks.append(pairs)
    return blocks


def run_block(commands: list[str], cwd: Path) -> list[str]:
    """What each command printed (standard output and error, as a terminal shows them, each
    line without its trailing blanks), run one after another by one bash."""
    keep = f"status=$?; echo '{MARK}'; (exit $status)"  # for `echo $?`
    script = "\n".join(f"{command}\n{keep}" for command in commands)
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    outputs = done.stdout.split(f"{MARK}\n")[: len(commands)]
    return ["\n".join(line.rstrip() for line in out.splitlines()).rstrip("\n") for out in outputs]


def test_the_weekly_walk_through_prints_what_the_readme_shows(tmp_path: Path) -> None:
    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data")
    blocks = transcripts((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) == 7
    for pairs in blocks:
        printed = run_block([command for command, _ in pairs], tmp_path)
        assert printed == [shown for _, shown in pairs]
    assert (tmp_path / "metrics.json").exists()  # the gated runs still wrote their results
    assert "drift" in json.loads((tmp_path / "drift.json").read_text(encoding="utf-8"))
