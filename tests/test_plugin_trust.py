"""A plugin cannot change another loss's value, the exit code or standard output; its
values are real and finite, its names fit the grammar, and its failures name their place."""

from __future__ import annotations

import json
import os
import re
import signal
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import install_entry_point, losscli_process, sales, write_plugin, write_table

import losscli
from losscli import plugins
from losscli.errors import PluginFailure
from losscli.losses import REGISTRY
from losscli.losses.shapes import Transform

pytestmark = pytest.mark.usefixtures("clean_registry")


def term_plugin(tmp_path: Path, name: str, body: str, head: str = "") -> Path:
    """A plugin file defining the loss ``name`` whose term ``f(y, p)`` runs ``body``."""
    function = f"@losscli.loss(name={name!r}, formula='x')\ndef {name}(y, p):\n"
    return write_plugin(tmp_path, head + "\n" + function + textwrap.indent(body, "    "))


def two_models(tmp_path: Path) -> tuple[pd.DataFrame, Path]:
    """Two models with their own errors, weights and an extra column 'c'."""
    frame, _ = sales(tmp_path)
    frame["other"] = frame.y_true + np.where(frame.g == "a", 1.0, -3.0)
    frame["c"] = 1.0
    return frame, write_table(frame, tmp_path / "two.csv")


# Each tries to change what the losses after it see; every one must fail inside the plugin.
WRITES = [
    "b.y[:] = 0",
    "b.p[:] = 0",
    "b.w[:] = 0",
    "b.err[:] = 0",
    "b.abs_err[:] = 0",
    "b.w_array[:] = 0",
    "b.extra['c'][:] = 5",
    "b.extra['c'] = b.p",
    "b.y = b.p",
]


@pytest.mark.parametrize("write", WRITES)
def test_plugin_cannot_change_another_loss(run: Any, tmp_path: Path, write: str) -> None:
    """A plugin that writes into what it is given (and goes on as if it had) leaves every
    other loss's value, of its model and of the next, as it is without the plugin."""
    frame, path = two_models(tmp_path)
    plugin = write_plugin(
        tmp_path,
        f"""
        from losscli import Direction, Loss, Mean, Task, Terms

        def scribble(b):
            try:
                {write}
            except (ValueError, TypeError, AttributeError):
                pass  # refused: the batch is read-only
            return Terms(np.zeros(len(b.y)))

        losscli.register(Loss("scribble", (), "writes into its batch", "x",
                              (Task.REGRESSION,), Direction.LOWER, Mean(scribble),
                              columns=("c",)))

        @losscli.loss(name="c_mse", formula="Σw·c / Σw", columns=("c",))
        def c_mse(y, p, c):
            return c
        """,
    )
    args = [str(path), "-p", "y_pred", "-p", "other", "-w", "w", "-f", "json"]
    result = run("evaluate", *args, "--plugin", str(plugin), "-m", "scribble,mse,mae,c_mse")
    assert result.exit_code == 0, result.stderr
    rows = {row["pred"]: row["metrics"] for row in json.loads(result.stdout)["rows"]}
    for model in ("y_pred", "other"):
        e = frame[model] - frame.y_true
        assert rows[model]["mse"] == pytest.approx(np.average(e**2, weights=frame.w), rel=1e-12)
        assert rows[model]["mae"] == pytest.approx(np.average(abs(e), weights=frame.w), rel=1e-12)
        assert rows[model]["c_mse"] == pytest.approx(1.0, rel=1e-12)


def test_a_plugin_writing_into_its_inputs_fails_naming_it(run: Any, tmp_path: Path) -> None:
    _, path = two_models(tmp_path)
    plugin = term_plugin(tmp_path, "zeroing", "y[:] = 0\nreturn p\n")
    args = ["-p", "y_pred", "-p", "other", "--plugin", str(plugin), "-m", "mse,zeroing"]
    result = run("evaluate", str(path), *args)
    assert result.exit_code == 4
    assert result.stderr.startswith(f"losscli: error: plugin {plugin}: loss 'zeroing' raised")
    assert "read-only" in result.stderr and "Traceback" not in result.stderr


EXITS = {
    "at import": "import sys\nsys.exit(0)\n",
    "while computing": "import sys\nsys.exit(0)\n",
    "KeyboardInterrupt while computing": "raise KeyboardInterrupt\n",
}


@pytest.mark.parametrize("when", EXITS)
def test_a_plugin_cannot_end_the_run_or_pass_a_check(tmp_path: Path, when: str) -> None:
    """sys.exit(0) or KeyboardInterrupt from a plugin is a plugin failure (exit 4), so a
    failing check can never turn into a pass."""
    _, path = sales(tmp_path)
    if when == "at import":
        plugin, losses = write_plugin(tmp_path, EXITS[when]), "mse"
    else:
        plugin, losses = term_plugin(tmp_path, "leaver", EXITS[when]), "mse,leaver"
    done = losscli_process(
        "evaluate", str(path), "--plugin", str(plugin), "-m", losses, "--check", "mse<=0"
    )
    assert done.returncode == 4, done.stderr
    assert done.stderr.startswith(f"losscli: error: plugin {plugin}: ")
    assert ("sys.exit(0)" if "Keyboard" not in when else "KeyboardInterrupt") in done.stderr
    assert "Traceback" not in done.stderr and "Aborted" not in done.stderr


def test_a_real_interrupt_inside_plugin_code_stays_an_interrupt(tmp_path: Path) -> None:
    """SIGINT arriving while a plugin computes (on the main thread) ends the run with 130,
    not as the plugin's failure."""
    _, path = sales(tmp_path)
    body = "os.kill(os.getpid(), signal.SIGINT)\nreturn p\n"
    plugin = term_plugin(tmp_path, "slow", body, head="import os, signal")
    done = losscli_process("evaluate", str(path), "--plugin", str(plugin), "-m", "slow")
    assert done.returncode == 128 + signal.SIGINT, done.stderr
    assert "plugin" not in done.stderr


def test_a_plugin_exiting_on_a_worker_thread_is_a_plugin_failure(tmp_path: Path) -> None:
    """Chunks big enough are computed on the kernel's thread pool: SystemExit there reaches
    the caller as a PluginFailure too."""
    frame, _ = sales(tmp_path, rows=80_000)
    plugins.load_file(str(term_plugin(tmp_path, "leaver", "sys.exit(3)\n", head="import sys")))
    path = write_table(frame, tmp_path / "big.parquet")
    with pytest.raises(PluginFailure, match=r"loss 'leaver' called sys.exit\(3\)"):
        losscli.evaluate(path, losses="leaver", threads=2)


def test_keyboard_interrupt_passes_through_the_python_api(tmp_path: Path) -> None:
    """In a notebook SIGINT's handler is Python's own: Ctrl-C (a KeyboardInterrupt) stops
    the run as it stops anything else."""
    frame, _ = sales(tmp_path)

    @losscli.loss(name="interrupted", formula="x")
    def interrupted(y: np.ndarray, p: np.ndarray) -> np.ndarray:
        raise KeyboardInterrupt

    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with pytest.raises(KeyboardInterrupt):
        losscli.evaluate(frame, losses="interrupted")


def test_a_plugin_prints_on_stderr_never_stdout(tmp_path: Path) -> None:
    """``-f json | jq`` stays valid: what a plugin prints at import or while computing,
    through Python or straight to the descriptor, goes to standard error."""
    _, path = sales(tmp_path, rows=40_000)  # chunks big enough for the kernel's threads
    body = """
        print("hello from compute")
        os.write(1, b"straight to descriptor 1\\n")
        return np.abs(p - y)
        """
    head = 'import os\nprint("hello at import")'
    plugin = term_plugin(tmp_path, "chatty", textwrap.dedent(body), head=head)
    done = losscli_process(
        "evaluate", str(path), "--plugin", str(plugin), "-m", "chatty", "-f", "json"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rows"][0]["metrics"]["chatty"] > 0
    for line in ("hello at import", "hello from compute", "straight to descriptor 1"):
        assert line in done.stderr


def test_a_complex_value_is_a_plugin_failure(run: Any, tmp_path: Path) -> None:
    _, path = sales(tmp_path)
    plugin = term_plugin(tmp_path, "complex_term", "return (p - y) + 1j\n")
    result = run("evaluate", str(path), "--plugin", str(plugin), "-m", "complex_term")
    assert result.exit_code == 4
    assert f"plugin {plugin}: loss 'complex_term' returned a term of type complex128" in (
        result.stderr
    )


# every word the grammar uses, or will, as a list's whole, a prefix or a scope (the issue's)
GRAMMAR_WORDS = ["all", "overall", "delta", "first", "last", "class", "period"]
BAD_NAMES = [*GRAMMAR_WORDS, "ALL", "", "a<b", "a>b", "a=b", "a:b", "a,b", "5%", "two words", "1st"]


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("as_alias", [False, True])
def test_a_name_the_grammar_reads_is_refused(tmp_path: Path, name: str, as_alias: bool) -> None:
    aliases = f"aliases=[{name!r}], " if as_alias else ""
    plugin = write_plugin(
        tmp_path,
        f"""
        @losscli.loss(name={"fine" if as_alias else name!r}, {aliases}formula="x")
        def term(y, p):
            return p
        """,
    )
    with pytest.raises(PluginFailure, match=re.escape(f"plugin {plugin}: loss name {name!r}")):
        plugins.load_file(str(plugin))
    assert "fine" not in REGISTRY


@pytest.mark.parametrize("key", ["", "a=b", "a:b", "two words", "Alpha"])
def test_a_parameter_name_the_grammar_reads_is_refused(key: str) -> None:
    with pytest.raises(PluginFailure, match=re.escape(f"parameter name {key!r}")):

        @losscli.loss(name="keyed", formula="x", params={key: 1.0})
        def keyed(y: np.ndarray, p: np.ndarray, **params: float) -> np.ndarray:
            return p


def test_every_builtin_name_and_parameter_fits_the_one_rule() -> None:
    from losscli.losses.registry import RESERVED, name_problem, param_problem

    assert set(GRAMMAR_WORDS) <= set(RESERVED)
    for loss in REGISTRY.values():
        for name in loss.names:
            assert name_problem(name) == "", name
        for param in loss.params:
            assert param_problem(param.name) == "", (loss.name, param.name)


def test_a_non_finite_value_names_the_file_model_and_data_row(run: Any, tmp_path: Path) -> None:
    """The data row as the input checks count it, past rows --drop-na left out."""
    frame, _ = sales(tmp_path)
    frame["other"] = frame.y_pred
    frame.loc[9, "y_true"] = np.nan  # data row 10: dropped
    frame.loc[118, "other"] = -1.0  # data row 119 of 'other': log of a negative
    write_table(frame.iloc[:50], tmp_path / "first.csv")
    path = write_table(frame, tmp_path / "second.csv")
    plugin = term_plugin(tmp_path, "log_p", "return np.log(p)\n")
    args = ["-p", "y_pred", "-p", "other", "--drop-na", "--plugin", str(plugin), "-m", "log_p"]
    result = run("evaluate", str(tmp_path / "first.csv"), str(path), *args)
    assert result.exit_code == 4
    assert (
        f"loss 'log_p' returned a non-finite term (nan) at data row 119 of {path}, "
        "model 'other'" in result.stderr
    )


def test_sys_exit_at_import_through_the_api_is_a_plugin_failure(tmp_path: Path) -> None:
    plugin = write_plugin(tmp_path, "import sys\nsys.exit(0)\n")
    with pytest.raises(PluginFailure, match=r"cannot load: called sys.exit\(0\)"):
        plugins.load_file(str(plugin))
    assert os.path.isfile(plugin)


def test_losses_with_a_broken_installed_plugin_is_a_plugin_failure(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_entry_point(tmp_path / "site", "raise ImportError('no torch')\n", monkeypatch)
    result = run("losses", "-f", "csv")
    assert result.exit_code == 4
    assert result.stderr == (
        "losscli: error: plugin package acme_losses: cannot load: ImportError: no torch\n"
    )
    assert result.stdout == ""


def _leave(*args: Any, **kwargs: Any) -> Any:
    raise SystemExit(5)


def _absolute(b: Any) -> losscli.Terms:
    return losscli.Terms(np.abs(b.p - b.y))


def _statistics(b: Any) -> dict[str, np.ndarray]:
    return {"e": np.abs(b.p - b.y)}


def _compute(sums: Any) -> np.ndarray:
    return np.asarray(sums["e"]) / np.asarray(sums["n"])


SHAPES = {
    "a ratio's transform": losscli.Ratio(_absolute, transform=Transform("x", _leave, _leave)),
    "an extreme's term": losscli.Extreme(_leave),
    "a custom loss's statistics": losscli.Custom(_leave, _compute),
    "a custom loss's flags": losscli.Custom(_statistics, _compute, flags=_leave),
    "a custom loss's finalize": losscli.Custom(_statistics, _leave),
    "a rank statistic's ranks": losscli.Ranked(_leave),
}


@pytest.mark.parametrize("where", SHAPES)
def test_every_function_of_a_plugin_shape_is_guarded(tmp_path: Path, where: str) -> None:
    frame, _ = sales(tmp_path)
    task = losscli.Task.BINARY if "rank" in where else losscli.Task.REGRESSION
    definition = losscli.Loss(
        "leaving", (), "", "x", (task,), losscli.Direction.LOWER, SHAPES[where]
    )
    losscli.register(definition)
    if "rank" in where:
        frame = frame.assign(y_true=(frame.y_true > 15).astype(float), y_pred=0.5)
    with pytest.raises(PluginFailure, match=r"loss 'leaving' called sys.exit\(5\)"):
        losscli.evaluate(frame, losses="leaving")
