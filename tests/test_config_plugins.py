"""The plugins a config names run only when asked for: a loss name that is not a built-in
(-m, --check, --max-regression, --sort-by), or every loss (-m all), never for shell
completion; each one that runs is named on standard error with its config (not under -q).

Each run is its own process, as a user's is: the plugin leaves a marker file when it is
imported, and a loss of its own (``marked``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ARTICLE, write_table

PLUGIN = """
import pathlib
import losscli

pathlib.Path(__file__).with_name("imported").write_text("yes")


@losscli.loss(name="marked", formula="|y - p|")
def marked(y, p):
    return abs(y - p)
"""
LOADED = "losscli: loaded the plugin ../plugin.py, listed in ../losscli.toml\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose config names the plugin; runs start in its ``sub``."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub").mkdir()
    write_table(ARTICLE.assign(g=["a", "a", "b", "b", "b"]), tmp_path / "sub" / "data.csv")
    (tmp_path / "plugin.py").write_text(PLUGIN)
    (tmp_path / "losscli.toml").write_text('plugins = ["plugin.py"]\n')
    return tmp_path


def losscli(repo: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "losscli", *args],
        cwd=repo / "sub",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


@pytest.mark.parametrize("args", [[], ["-m", "mse,r2"], ["--check", "mse<1", "--sort-by", "mae"]])
def test_a_run_of_builtin_losses_never_imports_a_config_plugin(repo: Path, args: list[str]) -> None:
    done = losscli(repo, "evaluate", "data.csv", "-g", "g", "-f", "csv", *args)
    assert (done.returncode, done.stderr) == (0, "")
    assert not (repo / "imported").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["-m", "mse,marked"],
        ["--check", "marked<1"],
        ["--sort-by", "marked"],
        ["--baseline", "../base.json", "--max-regression", "marked=5%"],
        ["-m", "all"],
    ],
)
def test_a_plugin_loss_asked_for_loads_the_config_plugin_and_says_so(
    repo: Path, args: list[str]
) -> None:
    (repo / "base.json").write_text('{"schema_version": 1, "rows": []}\n')
    done = losscli(repo, "evaluate", "data.csv", "-g", "g", "-f", "csv", *args)
    assert done.stderr.count(LOADED) == 1, done.stderr
    assert (repo / "imported").exists()
    assert ",marked" in done.stdout.splitlines()[0]


def test_quiet_loads_it_without_a_word(repo: Path) -> None:
    done = losscli(repo, "evaluate", "data.csv", "-m", "marked", "-q", "-o", "out.csv")
    assert (done.returncode, done.stderr) == (0, "")
    assert (repo / "imported").exists()


def test_a_plugin_on_the_command_line_loads_at_once_and_replaces_the_configs(
    repo: Path,
) -> None:
    (repo / "other.py").write_text("print('other', file=__import__('sys').stderr)\n")
    done = losscli(repo, "evaluate", "data.csv", "-m", "marked", "--plugin", "../other.py")
    assert done.returncode == 2
    assert done.stderr.startswith("other\n")
    assert "unknown loss 'marked'" in done.stderr
    assert not (repo / "imported").exists()


@pytest.mark.parametrize(
    "words", ["losscli evaluate data.csv --che", "losscli evaluate data.csv -m marked -"]
)
def test_shell_completion_never_imports_a_plugin(repo: Path, words: str) -> None:
    env = {"_LOSSCLI_COMPLETE": "bash_complete", "COMP_WORDS": words}
    done = losscli(repo, **env, COMP_CWORD=str(len(words.split()) - 1))
    assert done.returncode == 0, done.stderr
    assert "--check" in done.stdout
    assert not (repo / "imported").exists()


def test_the_list_of_losses_has_the_config_plugins_losses(repo: Path) -> None:
    done = losscli(repo, "losses", "-f", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stderr == LOADED
    assert "\nmarked," in done.stdout
    (repo / "imported").unlink()
    ignored = losscli(repo, "losses", "-f", "csv", "--no-config")
    assert (ignored.returncode, ignored.stderr) == (0, "")
    assert "\nmarked," not in ignored.stdout
    assert not (repo / "imported").exists()


def test_a_config_plugin_not_needed_leaves_standard_output_and_c_alone(repo: Path) -> None:
    """The plugin side of a plain run: standard output is not moved aside, and nothing is
    called through ctypes (C's buffers flushed, say) when the plugin a config lists does
    not load (NumPy itself only opens the process's own symbols, at import)."""
    code = (
        "import sys\n"
        "calls = []\n"
        "sys.addaudithook(lambda event, args: event == 'ctypes.dlsym' and calls.append(args))\n"
        "from losscli.cli import run\n"
        "sys.argv = ['losscli', 'evaluate', 'data.csv', '-f', 'csv']\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "print(calls, sys.stdout is sys.__stdout__, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=repo / "sub", capture_output=True, text=True, timeout=120
    )
    assert done.stderr.strip().splitlines()[-1] == "[] True", done.stderr
    assert done.stdout.startswith("file,pred,scope,n,")
    assert not (repo / "imported").exists()
